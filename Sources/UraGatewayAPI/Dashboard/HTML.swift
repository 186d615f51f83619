import Foundation
import UraHTTPCore

/// Server-side HTML for the dashboard: every interpolated value goes through `escape`; the pages
/// need no script and no external asset (the gateway may run on an isolated network).
enum HTML {
    /// Escapes text for an element's content or a double-quoted attribute (`HTMLText`).
    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    /// Percent-encodes a query parameter's value.
    static func query(_ text: String) -> String { HTMLText.query(text) }

    /// A bilingual label: Albanian first, English beside it.
    static func label(_ sq: String, _ en: String) -> String { "\(escape(sq)) <span class=\"en\">/ \(escape(en))</span>" }

    /// A table from already-escaped cells.
    static func table(_ headers: [(String, String)], _ rows: [[String]], empty: (String, String)) -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(label(empty.0, empty.1))</p>" }
        var out = "<table><thead><tr>" + headers.map { "<th>\(label($0.0, $0.1))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows { out += "<tr>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>" }
        return out + "</tbody></table>"
    }

    /// Links to the previous and next page of a paged table, keeping the other query parameters
    /// (`query`, already without `page`); nothing when everything fits on the first page.
    static func pager(_ path: String, page: Int, hasNext: Bool, query: [(String, String)]) -> String {
        guard page > 1 || hasNext else { return "" }
        func href(_ n: Int) -> String {
            let items = query.filter { !$0.1.isEmpty } + (n > 1 ? [("page", String(n))] : [])
            return escape(items.isEmpty ? path : path + "?" + items.map { "\($0.0)=\(Self.query($0.1))" }.joined(separator: "&"))
        }
        var links: [String] = []
        if page > 1 { links.append("<a rel=\"prev\" href=\"\(href(page - 1))\">← \(label("E mëparshmja", "Previous"))</a>") }
        links.append("<span>\(label("Faqja \(page)", "Page \(page)"))</span>")
        if hasNext { links.append("<a rel=\"next\" href=\"\(href(page + 1))\">\(label("Tjetra", "Next")) →</a>") }
        return "<nav class=\"pager\">" + links.joined(separator: " ") + "</nav>"
    }

    static let navigation: [(path: String, sq: String, en: String)] = [
        ("/", "Përmbledhje", "Overview"), ("/messages", "Mesazhet", "Messages"), ("/trends", "Prirjet", "Trends"), ("/deadlines", "Afatet", "Deadlines"),
        ("/dead-letters", "Të dështuarat", "Dead letters"), ("/agencies", "Institucionet", "Agencies"),
        ("/declarations", "Deklaratat", "Declarations"), ("/statistics", "KRAT", "Statistics"),
    ]

    /// A whole page: header, navigation, the body (already HTML), and the logout form.
    static func page(_ title: (String, String), current: String, csrf: String?, body: String) -> String {
        let nav = navigation.map { item in
            "<a href=\"\(item.path)\"\(item.path == current ? " class=\"current\"" : "")>\(label(item.sq, item.en))</a>"
        }.joined()
        let logout = csrf.map {
            "<form method=\"post\" action=\"/logout\" class=\"logout\"><input type=\"hidden\" name=\"csrf\" value=\"\(escape($0))\"><button>\(label("Dil", "Sign out"))</button></form>"
        } ?? ""
        return """
        <!doctype html>
        <html lang="sq"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <meta http-equiv="refresh" content="\(refreshSeconds)">
        <title>Ura — \(escape(title.0)) / \(escape(title.1))</title>
        <style>\(style)</style></head>
        <body><header><strong>Ura</strong> <span class="muted">\(label("Sekretariati i AP-së", "Responsible Authority secretariat"))</span>\(logout)</header>
        <nav>\(nav)</nav><main><h1>\(label(title.0, title.1))</h1>
        \(body)
        </main><footer class="muted">\(label("Vetëm meta të dhëna: asnjë përmbajtje, emër apo çelës.", "Metadata only: no body, no name, no key."))</footer></body></html>
        """
    }

    /// Every page reloads itself this often (a meta refresh: no script).
    static let refreshSeconds = 60

    static let style = """
    body{font-family:system-ui,sans-serif;margin:0;color:#1b1f23;background:#f6f7f9}header{background:#1d3557;color:#fff;padding:.6em 1em}
    header .muted{color:#cfd8e3}nav{background:#e9edf2;padding:.4em 1em}nav a{margin-right:1.2em;color:#1d3557;text-decoration:none}
    nav a.current{font-weight:bold;text-decoration:underline}main{padding:1em}h1{font-size:1.3em}table{border-collapse:collapse;background:#fff;width:100%}
    th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;font-size:.9em;vertical-align:top}th{background:#eef1f4}
    .en{color:#57606a;font-weight:normal}.muted{color:#57606a}.bad{color:#b42318;font-weight:bold}.ok{color:#1a7f37}
    .cards{display:flex;flex-wrap:wrap;gap:1em;margin-bottom:1em}.card{background:#fff;border:1px solid #d0d7de;padding:.6em 1em;min-width:10em}
    .card b{font-size:1.5em;display:block}form.inline{display:inline}form.filters{margin-bottom:1em}form.filters input,form.filters select{margin-right:.6em}
    form.logout{float:right}footer{padding:1em;font-size:.8em}.empty{font-style:italic}small.id{color:#57606a;font-family:monospace}
    form.filters select{max-width:24em}nav.pager{margin:1em 0}nav.pager a,nav.pager span{margin-right:1.2em}svg.chart{background:#fff;border:1px solid #d0d7de;max-width:100%;height:auto}.legend span{margin-right:1.2em}b.form{background:#1d3557;color:#fff;padding:0 .3em;border-radius:3px;font-size:.85em}
    """
}
