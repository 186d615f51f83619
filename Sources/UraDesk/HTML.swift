import Foundation
import UraHTTPCore

/// Server-side HTML for the desk, in the dashboard's manner: every interpolated value goes through
/// `escape`, Albanian first with English beside it, no script and nothing from outside.
public enum HTML {
    /// Escapes text for an element's content or a double-quoted attribute (`HTMLText`).
    public static func escape(_ text: String) -> String { HTMLText.escape(text) }

    /// Percent-encodes a query parameter's value.
    static func query(_ text: String) -> String { HTMLText.query(text) }

    /// A bilingual label: Albanian first, English beside it (English alone when there is no Albanian).
    public static func label(_ sq: String?, _ en: String) -> String {
        guard let sq, sq != en else { return escape(en) }
        return "\(escape(sq)) <span class=\"en\">/ \(escape(en))</span>"
    }

    /// A table from already-escaped cells.
    static func table(_ headers: [(String, String)], _ rows: [[String]], empty: (String, String)) -> String {
        guard !rows.isEmpty else { return "<p class=\"empty\">\(label(empty.0, empty.1))</p>" }
        var out = "<table><thead><tr>" + headers.map { "<th scope=\"col\">\(label($0.0, $0.1))</th>" }.joined() + "</tr></thead><tbody>"
        for row in rows { out += "<tr>" + row.map { "<td>\($0)</td>" }.joined() + "</tr>" }
        return out + "</tbody></table>"
    }

    static let style = """
    body{font-family:system-ui,sans-serif;margin:0;color:#1b1f23;background:#f6f7f9;font-size:16px;line-height:1.4}
    header{background:#1d3557;color:#fff;padding:.6em 1em}header .muted,header .en{color:#cfd8e3}
    nav{background:#e9edf2;padding:.4em 1em}nav a{margin-right:1.2em;color:#1d3557;text-decoration:none;display:inline-block;padding:.2em 0}
    nav a.current{font-weight:bold;text-decoration:underline}main{padding:1em;max-width:60em}h1{font-size:1.3em}h2{font-size:1.1em}
    table{border-collapse:collapse;background:#fff;width:100%}th,td{border:1px solid #d0d7de;padding:.3em .5em;text-align:left;font-size:.95em;vertical-align:top}
    th{background:#eef1f4}td{overflow-wrap:anywhere}.en{color:#57606a;font-weight:normal}.muted{color:#57606a}.bad{color:#b42318;font-weight:bold}.ok{color:#1a7f37;font-weight:bold}
    .empty{font-style:italic}small.id{color:#57606a;font-family:monospace}b.form{background:#1d3557;color:#fff;padding:0 .3em;border-radius:3px;font-size:.85em}
    fieldset{border:1px solid #d0d7de;background:#fff;margin:0 0 1em;padding:.6em 1em;min-width:0}legend{font-weight:bold;padding:0 .3em}
    fieldset fieldset{background:#fafbfc}.field{margin:.5em 0 .9em}.field label,.field .label{display:block;font-weight:600}
    .field input[type=text],.field input[type=email],.field input[type=number],.field input[type=date],.field input[type=datetime-local],.field select,.field textarea
    {font:inherit;padding:.3em;border:1px solid #8c959f;border-radius:3px;max-width:100%;box-sizing:border-box}
    .field input[type=text],.field input[type=email],.field textarea,.field select{width:32em}.field textarea{height:6em}
    .help{display:block;color:#57606a;font-size:.9em;margin:.1em 0 .2em}.req{color:#b42318}.personal{color:#8250df;font-size:.85em;font-weight:normal}
    .field.has-error input,.field.has-error select,.field.has-error textarea{border:2px solid #b42318}
    .error{color:#b42318;margin:.2em 0;font-weight:600}.error .en{color:#b42318}.summary{border:2px solid #b42318;background:#fff5f5;padding:.6em 1em;margin-bottom:1em}.warn{border:2px solid #9a6700;background:#fff8c5;padding:.6em 1em;margin-bottom:1em}
    .row{border-left:3px solid #d0d7de;padding-left:.8em;margin-bottom:.8em}.choices label{display:inline-block;font-weight:normal;margin-right:1.2em}
    button{font:inherit;padding:.3em .8em;border:1px solid #1d3557;border-radius:3px;background:#fff;color:#1d3557;cursor:pointer}
    button.primary{background:#1d3557;color:#fff}button.primary .en{color:#dfe7f1}header button .en{color:#57606a}button:focus,input:focus,select:focus,textarea:focus,a:focus{outline:3px solid #f4a261;outline-offset:1px}
    .skip{position:absolute;left:-999em}.skip:focus{left:1em;top:.5em;background:#fff;padding:.3em}
    .sr-only{position:absolute;left:-999em;width:1px;height:1px;overflow:hidden}.notice{background:#e6f4ea;border:1px solid #1a7f37;padding:.6em 1em;margin-bottom:1em}
    .actions{margin:1em 0}.actions button{margin-right:.6em}.state{font-weight:bold}.types li{margin:.3em 0}
    dl.form dt{font-weight:600;margin-top:.5em}dl.form dd{margin-left:1em}
    @media print{header,nav,.actions,form.inline{display:none}body{background:#fff}main{max-width:none}}
    """
}
