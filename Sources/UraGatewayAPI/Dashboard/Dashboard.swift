import Foundation
import UraCrypto
import UraGatewayCore
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// The secretariat's dashboard on the admin listener: server-rendered pages built from the same
/// `MonitorReport` figures as the monitor API. GET never changes anything; the two POSTs (redrive,
/// sign out) need the session's CSRF token and a same-origin request. Which page answers what,
/// and who may ask, is the admin listener's route table (`AdminHandler+Routes.swift`).
struct Dashboard: Sendable {
    let gateway: Gateway
    let access: DashboardAccess

    // MARK: Routes

    func overviewPage(_ session: DashboardAccess.Session) throws -> HTTPResponse {
        page(("Përmbledhje", "Overview"), current: "/", csrf: session.csrf, body: try overview(MonitorReport(gateway: gateway)))
    }

    func messagesPage(_ request: HTTPRequest, _ session: DashboardAccess.Session) throws -> HTTPResponse {
        page(("Mesazhet", "Messages"), current: "/messages", csrf: session.csrf, body: try messages(request, MonitorReport(gateway: gateway)))
    }

    /// One message; an id that is not one is a page that does not exist.
    func messagePage(_ text: String, _ session: DashboardAccess.Session) throws -> HTTPResponse {
        guard let id = try? MessageID(text) else { return notFound(session) }
        return try message(id, MonitorReport(gateway: gateway), session)
    }

    /// One case: its messages in order with each recipient's state, its deadlines (which message met
    /// which), its declarations. A reference that is not one is a page that does not exist.
    func casePage(_ text: String, _ session: DashboardAccess.Session) throws -> HTTPResponse {
        guard let caseReference = try? CaseReference(text) else { return notFound(session) }
        return page(("Rasti \(caseReference)", "Case \(caseReference)"), current: "/messages", csrf: session.csrf, body: try casePage(caseReference))
    }

    func trendsPage(_ session: DashboardAccess.Session) throws -> HTTPResponse {
        page(("Prirjet", "Trends"), current: "/trends", csrf: session.csrf, body: try trends())
    }

    /// The committees' (KRAT) figures for the last 12 months, as they receive them from `/v1/stats`.
    func statisticsPage(_ session: DashboardAccess.Session) throws -> HTTPResponse {
        page(("Statistikat për KRAT", "Statistics for the committees (KRAT)"), current: "/statistics", csrf: session.csrf, body: statistics(try statisticsReport()))
    }

    /// The same figures as CSV, for a spreadsheet.
    func statisticsCSV(_ session: DashboardAccess.Session) throws -> HTTPResponse {
        HTTPResponse(status: 200, headers: ["Content-Type": "text/csv; charset=utf-8", "Cache-Control": "no-store",
                                            "Content-Disposition": "attachment; filename=\"ura-krat-statistics.csv\"", "X-Content-Type-Options": "nosniff"],
                     body: Array(try statisticsReport().csv.utf8))
    }

    private func statisticsReport() throws -> StatisticsReport {
        let now = gateway.clock.now, from = now.addingTimeInterval(-365 * 86_400)
        return try StatisticsReport(store: gateway.store, from: from, to: now, calendar: gateway.calendar)
    }

    private func statistics(_ r: StatisticsReport) -> String {
        let words = self.words
        func figure(_ m: Int?) -> String { m.map { HTML.escape(String($0)) } ?? "<span class=\"muted\">\(HTML.label("fshehur", "suppressed"))</span>" }
        var html = "<p>\(HTML.label("12 muajt e fundit, ditët sipas orës së Tiranës. Asnjë referencë rasti, asnjë e dhënë personale.", "The last 12 months, days in Tirana time. No case reference, no personal data."))</p>"
        html += "<p>\(HTML.label("Pragu", "Threshold")): \(r.threshold) \(HTML.label("mesazhe ose raste", "messages or cases")). "
        html += "\(HTML.label("Të fshehura si të vogla", "Suppressed as small")): <b>\(r.suppressedSmall)</b>; "
        html += "\(HTML.label("të fshehura plotësuese (që të mos nxirren nga totalet)", "suppressed to protect them (so that none can be worked out from the totals)")): <b>\(r.suppressedComplementary)</b>. "
        html += "<a href=\"/statistics.csv\">\(HTML.label("Shkarko CSV", "Download CSV"))</a></p>"
        html += "<p>\(HTML.label("Gjithsej", "Total")): \(figure(r.total.messages)) \(HTML.label("mesazhe", "messages")), \(figure(r.total.cases)) \(HTML.label("raste", "cases"))</p>"
        let names: [String: (String, String)] = ["county": ("Qarku", "County"), "month": ("Muaji", "Month"), "type": ("Lloji", "Type"), "subject": ("Subjekti", "Subject")]
        for dimension in StatisticsReport.dimensions {
            let label = names[dimension] ?? (dimension, dimension)
            html += "<h2>\(HTML.label("Sipas: " + label.0.lowercased(), "By " + label.1.lowercased()))</h2>"
            html += HTML.table([label, ("Mesazhe", "Messages"), ("Raste", "Cases")], r.totals.filter { $0.dimension == dimension }.map { t in
                [value(dimension, t.value, words), figure(t.messages), figure(t.cases)]
            }, empty: ("Asnjë mesazh.", "No message."))
        }
        html += "<h2>\(HTML.label("Qeliza (qarku × muaji × lloji × subjekti)", "Cells (county × month × type × subject)"))</h2>"
        html += HTML.table([("Qarku", "County"), ("Muaji", "Month"), ("Lloji", "Type"), ("Subjekti", "Subject"), ("Mesazhe", "Messages"), ("Raste", "Cases")],
                           r.cells.map { c in
                               [value("county", c.county, words), HTML.escape(c.month), value("type", c.type.rawValue, words), value("subject", c.subject.rawValue, words),
                                figure(c.messages), figure(c.cases)]
                           }, empty: ("Asnjë mesazh.", "No message."))
        return html
    }

    private func value(_ dimension: String, _ value: String, _ words: DashboardWords) -> String {
        switch dimension {
        case "type": words.type(value, link: false)
        case "subject": words.word(value, in: Self.subjects)
        case "county" where value == "unknown": HTML.label("pa qark", "no county")
        case "county": County(rawValue: value).map { "\(HTML.escape($0.name))<br><small class=\"muted\">\(HTML.escape(value))</small>" } ?? HTML.escape(value)
        default: HTML.escape(value)
        }
    }

    func deadlinesPage(_ session: DashboardAccess.Session) throws -> HTTPResponse {
        page(("Afatet", "Deadlines"), current: "/deadlines", csrf: session.csrf, body: try deadlines(MonitorReport(gateway: gateway)))
    }

    func deadLettersPage(_ request: HTTPRequest, _ session: DashboardAccess.Session) throws -> HTTPResponse {
        page(("Të dështuarat", "Dead letters"), current: "/dead-letters", csrf: session.csrf,
             body: try deadLetters(MonitorReport(gateway: gateway), session, notice: request.queryValue("redriven")))
    }

    func agenciesPage(_ request: HTTPRequest, _ session: DashboardAccess.Session) throws -> HTTPResponse {
        page(("Institucionet", "Agencies"), current: "/agencies", csrf: session.csrf,
             body: try agencies(page: try Self.pageNumber(request), MonitorReport(gateway: gateway)))
    }

    func declarationsPage(_ request: HTTPRequest, _ session: DashboardAccess.Session) throws -> HTTPResponse {
        page(("Deklaratat", "Declarations"), current: "/declarations", csrf: session.csrf, body: try declarations(request))
    }

    func login(_ request: HTTPRequest) -> HTTPResponse {
        guard let token = request.queryValue("token"), let session = access.login(with: token) else {
            return page(status: 403, ("Hyrja", "Sign in"), current: "", csrf: nil, body: """
                <p class="bad">\(HTML.label("Lidhja e hyrjes nuk vlen (përdoret vetëm një herë).", "This login link is not valid (each link works once)."))</p>
                <p>\(HTML.label("Kërkoni një të re:", "Ask for a new one:")) <code>ura admin login-link --data-dir DIR</code></p>
                """)
        }
        gateway.events.log.info("dashboard.login", [:])
        return HTTPResponse(status: 303, headers: ["Location": "/", "Set-Cookie": DashboardAccess.cookie(for: session), "Cache-Control": "no-store"], body: [])
    }

    func logout(_ session: DashboardAccess.Session) -> HTTPResponse {
        access.logout(session)
        return HTTPResponse(status: 303, headers: ["Location": "/login", "Set-Cookie": "ura_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0"], body: [])
    }

    func redrive(_ request: HTTPRequest) async throws -> HTTPResponse {
        let form = Self.formFields(request.body)
        guard let message = form["message"].flatMap({ try? MessageID($0) }), let recipient = form["recipient"].flatMap({ try? AgencyID($0) }) else {
            throw GatewayError(.invalidRequest, "the redrive form needs a message id and a recipient")
        }
        try await gateway.deliveries.redrive(message: message, recipient: recipient, by: "dashboard")
        gateway.events.log.info("dashboard.redrive", ["id": .id(message), "to": .id(recipient)])
        return HTTPResponse(status: 303, headers: ["Location": "/dead-letters?redriven=\(HTML.query(message.rawValue))"], body: [])
    }

    // MARK: Access

    /// The page for a request without a live session.
    func signIn() -> HTTPResponse {
        page(status: 401, ("Hyrja", "Sign in"), current: "", csrf: nil, body: """
            <p>\(HTML.label("Hapni lidhjen e hyrjes që jep", "Open the login link given by")) <code>ura admin login-link --data-dir DIR</code>
            \(HTML.label("në makinën e portës.", "on the gateway host."))</p>
            """)
    }

    /// The refusal of a state-changing request that is not the session's own form (another
    /// origin, by the browser's Origin or Sec-Fetch-Site, or without the session's CSRF token); nil
    /// when it is.
    func refusal(ofForm request: HTTPRequest, _ session: DashboardAccess.Session) -> HTTPResponse? {
        let form = Self.formFields(request.body)
        let host = request.headers["Host"] ?? ""
        // Pages are served with Referrer-Policy same-origin, so a browser's form POST carries the
        // page's own origin (with no-referrer Chromium would send "null").
        if let origin = request.headers["Origin"], origin != "http://\(host)" {
            return page(status: 403, ("Gabim", "Error"), current: "", csrf: session.csrf,
                        body: "<p class=\"bad\">\(HTML.label("Kërkesë nga një faqe tjetër: refuzohet.", "A request from another site is refused."))</p>")
        }
        if let site = request.headers["Sec-Fetch-Site"], site != "same-origin", site != "none" {
            return page(status: 403, ("Gabim", "Error"), current: "", csrf: session.csrf,
                        body: "<p class=\"bad\">\(HTML.label("Kërkesë nga një faqe tjetër: refuzohet.", "A request from another site is refused."))</p>")
        }
        guard access.checkCSRF(form["csrf"], for: session) else {
            return page(status: 403, ("Gabim", "Error"), current: "", csrf: session.csrf,
                        body: "<p class=\"bad\">\(HTML.label("Formulari ka skaduar; hapeni faqen përsëri.", "The form is stale; open the page again."))</p>")
        }
        return nil
    }

    // MARK: Errors

    /// The page for a request that ended in `error`: a `GatewayError`'s sentence with its status;
    /// anything else logged and a 500 that says only to look there.
    func errorPage(_ error: any Error, path: String, session: DashboardAccess.Session?) -> HTTPResponse {
        if let problem = error as? GatewayError {
            return page(status: problem.status, ("Gabim", "Error"), current: "", csrf: session?.csrf,
                        body: "<p class=\"bad\">\(HTML.escape(problem.detail))</p>")
        }
        gateway.events.log.error("dashboard.error", ["path": .string(path), "error": .string("\(error)")])
        return page(status: 500, ("Gabim", "Error"), current: "", csrf: session?.csrf,
                    body: "<p class=\"bad\">\(HTML.label("Diçka shkoi keq.", "Something went wrong; see the gateway's log."))</p>")
    }

    /// 405: the page exists, for other methods (`Allow` names them).
    func methodNotAllowed(_ unrouted: UnroutedRequest, _ session: DashboardAccess.Session?) -> HTTPResponse {
        var response = page(status: 405, ("Gabim", "Error"), current: "", csrf: session?.csrf,
                            body: "<p>\(HTML.label("Kjo faqe pranon vetëm", "This page takes only")) \(HTML.escape(unrouted.allowed.joined(separator: ", ")))</p>")
        response.headers.replaceOrAdd(name: "Allow", value: unrouted.allowHeader)
        return response
    }

    /// `application/x-www-form-urlencoded` fields.
    static func formFields(_ body: [UInt8]) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { $0.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            if let name = parts.first, !name.isEmpty { fields[name] = parts.count > 1 ? parts[1] : "" }
        }
        return fields
    }

    // MARK: Pages

    private func overview(_ report: MonitorReport) throws -> String {
        let o = try report.overview()
        let d = o["deliveries"]
        func n(_ v: JSONValue?) -> String { HTML.escape(v?.intValue.map(String.init) ?? "–") }
        let overdue = o["deadlines"]?["overdue"]?.intValue ?? 0, dead = d?["dead_letter"]?.intValue ?? 0
        var html = "<div class=\"cards\">"
        html += card(("Në pritje", "Pending"), n(d?["pending"])) + card(("Në dërgim", "In flight"), n(d?["in_flight"]))
        html += card(("Në riprovim", "Retrying"), n(d?["retry_scheduled"])) + card(("Të dorëzuara", "Delivered"), n(d?["delivered"]))
        html += card(("Të dështuara", "Dead letters"), n(d?["dead_letter"]), bad: dead > 0)
        html += card(("Afate të hapura", "Open deadlines"), n(o["deadlines"]?["open"]))
        html += card(("Afate të kaluara", "Overdue deadlines"), n(o["deadlines"]?["overdue"]), bad: overdue > 0)
        let l = o["latency_seconds"]
        html += card(("Vonesa p50 / p99 (s)", "Latency p50 / p99 (s)"), "\(HTML.escape(number(l?["p50"]))) / \(HTML.escape(number(l?["p99"])))")
        html += "</div>" + ledgerSection(o["ledger"])
        // The agencies that need attention first (unreachable, dead letters, retries, a queue), at
        // most 50: the full list is the agencies page's.
        let agencies = o["agencies"]?.arrayValue ?? []
        func attention(_ a: JSONValue) -> [Int] {
            [a["reachability"]?["state"] == "failing" ? 1 : 0] + ["dead_letter", "retry_scheduled", "in_flight", "pending"].map { a[$0]?.intValue ?? 0 }
        }
        let keyed = agencies.map { (attention($0), $0["agency"]?.stringValue ?? "", $0) }
        let first = keyed.sorted { $0.0 != $1.0 ? $0.0.lexicographicallyPrecedes($1.0, by: >) : $0.1 < $1.1 }.prefix(50).map(\.2)
        html += "<h2>\(HTML.label("Institucionet", "Agencies"))</h2>" + agencyTable(first)
        if agencies.count > first.count {
            html += "<p><a href=\"/agencies\">\(HTML.label("Të gjitha \(agencies.count) institucionet", "All \(agencies.count) agencies")) →</a> "
                + "\(HTML.label("(këtu: \(first.count) që kërkojnë më shumë vëmendje)", "(here: the \(first.count) needing most attention)"))</p>"
        }
        return html
    }

    private func card(_ label: (String, String), _ value: String, bad: Bool = false) -> String {
        "<div class=\"card\"><b\(bad ? " class=\"bad\"" : "")>\(value)</b>\(HTML.label(label.0, label.1))</div>"
    }

    private func number(_ v: JSONValue?) -> String { v?.numberValue.map { String(format: "%.3f", $0) } ?? "–" }

    private func ledgerSection(_ ledger: JSONValue?) -> String {
        var text = "\(HTML.label("Regjistri", "Ledger")): \(HTML.escape(ledger?["entries"]?.intValue.map(String.init) ?? "?")) \(HTML.label("hyrje", "entries"))"
        if let at = ledger?["last_checkpoint"]?["at"]?.stringValue { text += "; \(HTML.label("pika e fundit e nënshkruar", "last signed checkpoint")) \(words.time(at))" }
        if let v = ledger?["last_verification"], v != .null {
            text += v["intact"] == true
                ? "; <span class=\"ok\">\(HTML.label("verifikuar i paprekur", "verified intact"))</span> \(words.time(v["at"]?.stringValue))"
                : "; <span class=\"bad\">\(HTML.label("VERIFIKIMI DËSHTOI", "VERIFICATION FAILED"))</span> \(words.time(v["at"]?.stringValue))"
        }
        if let withheld = ledger?["withheld"]?.arrayValue, !withheld.isEmpty {
            text += "; <span class=\"bad\">\(HTML.label("MESAZHE TË MBAJTURA", "MESSAGES WITHHELD"))</span>: "
                + withheld.map { HTML.escape("\($0["message"]?.stringValue ?? "?") — \($0["reason"]?.stringValue ?? "")") }.joined(separator: "; ")
        }
        return "<p>\(text)</p>"
    }

    private func agencyTable(_ rows: [JSONValue]) -> String {
        HTML.table([("Institucioni", "Agency"), ("Në pritje", "Pending"), ("Në dërgim", "In flight"), ("Riprovim", "Retrying"),
                    ("Dorëzuar", "Delivered"), ("Dështuar", "Dead"), ("Suksesi", "Success rate"), ("Arritshmëria", "Reachability")],
                   rows.map { a in
                       let r = a["reachability"]
                       var reach = words.word(r?["state"]?.stringValue ?? "?", in: DashboardWords.reachability)
                       if r?["state"] == "failing" {
                           reach = "<span class=\"bad\">\(reach)</span> \(HTML.label("që nga", "since")) \(words.time(r?["failing_since"]?.stringValue)), \(HTML.escape(String(r?["consecutive_failures"]?.intValue ?? 0))) × \(HTML.escape(r?["last_error"]?.stringValue ?? ""))"
                       }
                       let rate = a["success_rate"]?.numberValue.map { String(format: "%.0f%%", $0 * 100) } ?? "–"
                       return [words.agency(a["agency"]?.stringValue ?? ""), count(a["pending"]), count(a["in_flight"]), count(a["retry_scheduled"]),
                               count(a["delivered"]), count(a["dead_letter"]), HTML.escape(rate), reach]
                   }, empty: ("Asnjë institucion.", "No agency."))
    }

    private func count(_ v: JSONValue?) -> String { HTML.escape(v?.intValue.map(String.init) ?? "0") }

    private func link(_ value: String, _ prefix: String) -> String {
        "<a href=\"\(HTML.escape(prefix + HTML.query(value)))\">\(HTML.escape(value))</a>"
    }

    /// Rows per page of a paged table: a page stays small at 100,000 messages and 1,000 agencies.
    static let pageSize = 100

    /// The `page` query parameter: 1 when absent, a whole number from 1 otherwise.
    static func pageNumber(_ request: HTTPRequest) throws(GatewayError) -> Int {
        guard let text = request.queryValue("page"), !text.isEmpty else { return 1 }
        guard let page = Int(text), (1...100_000).contains(page) else {
            throw GatewayError(.invalidRequest, "page must be a whole number from 1 to 100000, not '\(text)'")
        }
        return page
    }

    private func messages(_ request: HTTPRequest, _ report: MonitorReport) throws -> String {
        let page = try Self.pageNumber(request)
        var filter = MessageFilter(limit: Self.pageSize + 1, offset: (page - 1) * Self.pageSize)
        let caseText = request.queryValue("case") ?? "", typeText = request.queryValue("type") ?? ""
        let agencyText = request.queryValue("agency") ?? "", stateText = request.queryValue("state") ?? ""
        do {
            if !caseText.isEmpty { filter.caseReference = try CaseReference(caseText) }
            if !typeText.isEmpty { filter.type = try MessageType(typeText) }
            if !agencyText.isEmpty { filter.agency = try AgencyID(agencyText) }
        } catch { throw GatewayError(.invalidRequest, "\(error)") }
        if !stateText.isEmpty {
            guard let state = DeliveryState(rawValue: stateText) else { throw GatewayError(.invalidRequest, "'\(stateText)' is not a delivery state") }
            filter.state = state
        }
        func options(_ values: [(value: String, text: String)], selected: String) -> String {
            ([("", "—")] + values).map {
                "<option value=\"\(HTML.escape($0.value))\"\($0.value == selected ? " selected" : "")>\(HTML.escape($0.text))</option>"
            }.joined()
        }
        let states = options(["pending", "in_flight", "retry_scheduled", "delivered", "dead_letter"].map {
            ($0, DashboardWords.deliveryStates[$0].map { "\($0.0) / \($0.1)" } ?? $0)
        }, selected: stateText)
        let types = options(gateway.catalogue.catalogue.entries.map { e in
            (e.type.rawValue, "\(e.form.map { "\($0) " } ?? "")\(e.titleSq) / \(e.title)")
        }, selected: typeText)
        let agencies = options(gateway.directory.snapshot.directory.agencies.sorted { ($0.name, $0.id.rawValue) < ($1.name, $1.id.rawValue) }.map { a in
            (a.id.rawValue, "\(a.name) (\(a.kind.rawValue)) — \(a.id.rawValue)")
        }, selected: agencyText)
        var html = """
            <form class="filters" method="get" action="/messages">
            \(HTML.label("Rasti", "Case")) <input name="case" value="\(HTML.escape(caseText))" size="16">
            \(HTML.label("Lloji", "Type")) <select name="type">\(types)</select>
            \(HTML.label("Institucioni", "Agency")) <select name="agency">\(agencies)</select>
            \(HTML.label("Gjendja", "State")) <select name="state">\(states)</select>
            <button>\(HTML.label("Filtro", "Filter"))</button></form>
            """
        var list = try report.messages(filter)["messages"]?.arrayValue ?? []
        let hasNext = list.count > Self.pageSize
        list = Array(list.prefix(Self.pageSize))
        html += HTML.table([("Pranuar", "Accepted"), ("Mesazhi", "Message"), ("Lloji", "Type"), ("Rasti", "Case"), ("Nga", "From"), ("Dorëzimet", "Deliveries")],
                           list.map { m in
                               let deliveries = (m["deliveries"]?.arrayValue ?? []).map {
                                   "\(words.agency($0["recipient"]?.stringValue ?? "")): \(words.deliveryState($0["state"]?.stringValue ?? ""))"
                               }.joined(separator: "<br>")
                               return [words.time(m["accepted_at"]?.stringValue), link(m["id"]?.stringValue ?? "", "/messages/"),
                                       words.type(m["type"]?.stringValue ?? ""), link(m["case"]?.stringValue ?? "", "/cases/"),
                                       words.agency(m["from"]?.stringValue ?? ""), deliveries]
                           }, empty: ("Asnjë mesazh.", "No message."))
        return html + HTML.pager("/messages", page: page, hasNext: hasNext,
                                 query: [("case", caseText), ("type", typeText), ("agency", agencyText), ("state", stateText)])
    }

    private func message(_ id: MessageID, _ report: MonitorReport, _ session: DashboardAccess.Session) throws -> HTTPResponse {
        guard let m = try gateway.store.message(id) else { return notFound(session) }
        let md = m.metadata
        var html = "<table>"
        for (label, value) in [(("Mesazhi", "Message"), HTML.escape(md.id.rawValue)), (("Lloji", "Type"), words.type(md.type.rawValue)),
                               (("Rasti", "Case"), link(md.caseReference.rawValue, "/cases/")),
                               (("Nga", "From"), words.agency(md.from.rawValue)), (("Për", "To"), words.agencies(md.to.map(\.rawValue))),
                               (("Subjekti", "Subject"), words.word(md.subject.rawValue, in: Self.subjects)), (("Pranuar", "Accepted"), words.time(m.acceptedAt))] {
            html += "<tr><th>\(HTML.label(label.0, label.1))</th><td>\(value)</td></tr>"
        }
        html += "</table><h2>\(HTML.label("Dorëzimet", "Deliveries"))</h2>"
        html += HTML.table([("Marrësi", "Recipient"), ("Kanali", "Channel"), ("Gjendja", "State"), ("Provat", "Attempts"), ("Gabimi i fundit", "Last error"), ("Mbyllur", "Settled")],
                           try gateway.store.deliveries(of: id).map { d in
                               [words.agency(d.recipient.rawValue), HTML.escape(d.channel.rawValue), words.deliveryState(d.state.rawValue), HTML.escape(String(d.attempts)),
                                HTML.escape(d.lastError ?? ""), words.time(d.settledAt)]
                           }, empty: ("Asnjë dorëzim.", "No delivery."))
        html += "<h2>\(HTML.label("Kronologjia (regjistri)", "Timeline (ledger)"))</h2>"
        let indexes = try gateway.store.ledgerIndexes(forMessage: id)
        var rows: [[String]] = []
        for index in indexes {
            guard let entry = try gateway.store.ledgerEntries(from: index, count: 1).first, let leaf = try? JSONValue(parsing: entry.leaf) else { continue }
            let data = leaf["data"]?.objectValue ?? [:]
            let details = ["recipient", "attempt", "error", "reason", "next", "deadline", "late"].compactMap { key -> String? in
                guard let v = data[key] else { return nil }
                return "\(key): \(v.stringValue ?? v.serializedString())"
            }.joined(separator: "; ")
            rows.append([words.time(leaf["at"]?.stringValue), words.event(leaf["kind"]?.stringValue ?? ""),
                         leaf["agency"]?.stringValue.map { words.agency($0) } ?? "", HTML.escape(details), HTML.escape(String(index))])
        }
        html += HTML.table([("Koha", "At"), ("Ngjarja", "Event"), ("Institucioni", "Agency"), ("Hollësi", "Details"), ("Hyrja", "Entry")], rows,
                           empty: ("Asnjë hyrje.", "No entry."))
        return page(("Mesazhi", "Message"), current: "/messages", csrf: session.csrf, body: html)
    }

    private func deadlines(_ report: MonitorReport) throws -> String {
        HTML.table([("Gjendja", "State"), ("Afati", "Due"), ("Rasti", "Case"), ("Pritet", "Expected"), ("Rregulli", "Rule"), ("Nxitësi", "Trigger"), ("Përgjegjës", "Responsible")],
                   (try report.deadlines(limit: 500)["deadlines"]?.arrayValue ?? []).map { d in
                       let state = d["state"]?.stringValue ?? ""
                       let due = d["due"]?.stringValue.flatMap(RFC3339.date(from:))
                       return [words.deadlineState(state),
                               "\(words.time(due))<br>\(due.map { words.relative($0) } ?? "")", link(d["case"]?.stringValue ?? "", "/cases/"),
                               (d["expected"]?.arrayValue ?? []).compactMap(\.stringValue).map { words.type($0) }.joined(separator: "<br>"),
                               HTML.escape(d["rule"]?.stringValue ?? ""),
                               "\(words.type(d["trigger_type"]?.stringValue ?? ""))<br><small>\(link(d["trigger"]?.stringValue ?? "", "/messages/"))</small>",
                               words.agencies((d["responsible"]?.arrayValue ?? []).compactMap(\.stringValue))]
                   }, empty: ("Asnjë afat i hapur.", "No open deadline."))
    }

    private func deadLetters(_ report: MonitorReport, _ session: DashboardAccess.Session, notice: String?) throws -> String {
        var html = ""
        if let notice {
            html += "<p class=\"ok\">\(HTML.label("Ridërguar:", "Redriven:")) \(HTML.escape(notice))</p>"
        }
        html += HTML.table([("Koha", "At"), ("Mesazhi", "Message"), ("Marrësi", "Recipient"), ("Provat", "Attempts"), ("Arsyeja", "Reason"), ("Veprimi", "Action")],
                           (try report.deadLetters(limit: 500)["dead_letters"]?.arrayValue ?? []).map { d in
                               let message = d["message"]?.stringValue ?? "", recipient = d["recipient"]?.stringValue ?? ""
                               let form = """
                                   <form class="inline redrive" method="post" action="/dead-letters/redrive">\
                                   <input type="hidden" name="csrf" value="\(HTML.escape(session.csrf))">\
                                   <input type="hidden" name="message" value="\(HTML.escape(message))">\
                                   <input type="hidden" name="recipient" value="\(HTML.escape(recipient))">\
                                   <button>\(HTML.label("Ridërgo", "Redrive"))</button></form>
                                   """
                               return [words.time(d["at"]?.stringValue), link(message, "/messages/"), words.agency(recipient),
                                       HTML.escape(String(d["attempts"]?.intValue ?? 0)), HTML.escape(d["reason"]?.stringValue ?? ""), form]
                           }, empty: ("Asnjë mesazh i dështuar.", "No dead letter."))
        return html
    }

    private func agencies(page: Int, _ report: MonitorReport) throws -> String {
        let all = try report.agencies()["agencies"]?.arrayValue ?? []
        let shown = all.dropFirst((page - 1) * Self.pageSize).prefix(Self.pageSize)
        return try peers(report) + "<p>\(HTML.label("\(all.count) institucione", "\(all.count) agencies"))</p>"
            + HTML.table([("Institucioni", "Agency"), ("Lloji", "Kind"), ("Emri", "Name"), ("Statusi", "Status"), ("Dorëzimi", "Delivery"),
                    ("Arritshmëria", "Reachability"), ("Suksesi i fundit", "Last success"), ("Dështime radhazi", "Failures in a row"), ("Gabimi i fundit", "Last error")],
                   shown.map { a in
                       let state = a["state"]?.stringValue ?? ""
                       return [link(a["agency"]?.stringValue ?? "", "/messages?agency="),
                               (a["kind"]?.stringValue).flatMap(AgencyKind.init(rawValue:)).map { words.kind($0) } ?? "",
                               HTML.escape(a["name"]?.stringValue ?? ""), HTML.escape(a["status"]?.stringValue ?? ""), HTML.escape(a["delivery"]?.stringValue ?? ""),
                               state == "failing" ? "<span class=\"bad\">\(words.word(state, in: DashboardWords.reachability))</span>" : words.word(state, in: DashboardWords.reachability),
                               words.time(a["last_success_at"]?.stringValue ?? a["last_poll_at"]?.stringValue),
                               HTML.escape(String(a["consecutive_failures"]?.intValue ?? 0)), HTML.escape(a["last_error"]?.stringValue ?? "")]
                   }, empty: ("Asnjë institucion.", "No agency."))
            + HTML.pager("/agencies", page: page, hasNext: all.count > page * Self.pageSize, query: [])
    }

    /// The peer gateways (federation), before the agencies: reachability, the last directory sync
    /// and why the last one failed (a refused directory says so), and the queue behind each.
    private func peers(_ report: MonitorReport) throws -> String {
        let rows = try report.peers()["peers"]?.arrayValue ?? []
        guard !rows.isEmpty else { return "" }
        let html = HTML.table([("Porta fqinje", "Peer gateway"), ("Emri", "Name"), ("Arritshmëria", "Reachable"), ("Sinkronizimi i fundit", "Last directory sync"),
                               ("Versioni", "Version"), ("Institucione", "Agencies"), ("Në radhë", "Queued"), ("Gabimi i fundit", "Last error")],
                              rows.map { p in
                                  let reachable = p["reachable"]?.boolValue
                                  let queued = ["pending", "in_flight", "retry_scheduled"].reduce(0) { $0 + (p["queue"]?[$1]?.intValue ?? 0) }
                                  return [HTML.escape(p["peer"]?.stringValue ?? ""), HTML.escape(p["name"]?.stringValue ?? ""),
                                          reachable == false ? "<span class=\"bad\">\(HTML.label("jo", "no"))</span>" : reachable == true ? HTML.label("po", "yes") : "–",
                                          words.time(p["last_sync"]?.stringValue), HTML.escape(p["directory_version"]?.intValue.map(String.init) ?? "–"),
                                          HTML.escape(String(p["agencies"]?.intValue ?? 0)), HTML.escape(String(queued)),
                                          p["last_error"]?.stringValue.map { "<span class=\"bad\">\(HTML.escape($0))</span>" } ?? ""]
                              }, empty: ("Asnjë portë fqinje.", "No peer gateway."))
        return "<h2>\(HTML.label("Portat fqinje", "Peer gateways"))</h2>" + html + "<h2>\(HTML.label("Institucionet", "Agencies"))</h2>"
    }

    private func declarations(_ request: HTTPRequest) throws -> String {
        let caseText = request.queryValue("case") ?? ""
        var html = """
            <form class="filters" method="get" action="/declarations">\(HTML.label("Rasti", "Case"))
            <input name="case" value="\(HTML.escape(caseText))" size="16"> <button>\(HTML.label("Shfaq", "Show"))</button></form>
            <p class="muted">\(HTML.label("Emrat e deklaruesve janë të enkriptuar për sekretariatin: lexohen me", "Declarants' names are encrypted to the secretariat: read them with")) <code>ura case CASE --declarations</code>.</p>
            """
        guard !caseText.isEmpty else { return html }
        let caseReference: CaseReference
        do { caseReference = try CaseReference(caseText) } catch { throw GatewayError(.invalidRequest, "\(error)") }
        html += HTML.table([("Roli", "Role"), ("Institucioni", "Agency"), ("Data", "Declared on"), ("Regjistruar", "Recorded"), ("Gjurma e formularit", "Form digest")],
                           try gateway.store.declarations(forCase: caseReference).map { d in
                               [words.word(d.role.rawValue, in: Self.roles), words.agency(d.agency.rawValue), HTML.escape(d.declaredOn),
                                words.time(d.recordedAt), "<code>\(HTML.escape(String(d.formDigest.prefix(16))))…</code>"]
                           }, empty: ("Asnjë deklaratë për këtë rast.", "No declaration for this case."))
        return html
    }

    private var words: DashboardWords { DashboardWords(gateway: gateway) }

    /// The last 30 days in Tirana: accepted, delivered, given up; accept-to-delivered p50 and p99;
    /// then open and overdue deadlines per responsible agency.
    private func trends() throws -> String {
        let trends = try DeliveryTrends(store: gateway.store, calendar: gateway.calendar, now: gateway.clock.now)
        let labels = trends.days.map(\.date)
        var html = "<h2>\(HTML.label("Mesazhe dhe dorëzime në ditë (30 ditë)", "Messages and deliveries per day (30 days)"))</h2>"
        html += Charts.bars(labels, [
            .init(label: ("Pranuar", "accepted"), color: "#1d3557", values: trends.days.map { Double($0.accepted) }),
            .init(label: ("Dorëzuar", "delivered"), color: "#2a9d8f", values: trends.days.map { Double($0.delivered) }),
            .init(label: ("Dështuar", "given up"), color: "#b42318", values: trends.days.map { Double($0.failed) }),
        ])
        html += "<h2>\(HTML.label("Nga pranimi te dorëzimi, p50 dhe p99 në ditë", "Accept to delivered, p50 and p99 per day"))</h2>"
        html += Charts.lines(labels, [
            .init(label: ("p50", "p50"), color: "#2a9d8f", values: trends.days.map(\.p50)),
            .init(label: ("p99", "p99"), color: "#e76f51", values: trends.days.map(\.p99)),
        ], unit: " s")
        var open: [String: Int] = [:], overdue: [String: Int] = [:]
        for d in try gateway.store.pendingDeadlines(limit: 100_000) where !d.optional {
            let parties = d.responsible.isEmpty ? d.responsibleKinds.map { "kind:" + $0.rawValue } : d.responsible.map(\.rawValue)
            for p in parties { if d.state == .overdue { overdue[p, default: 0] += 1 } else { open[p, default: 0] += 1 } }
        }
        let parties = Set(open.keys).union(overdue.keys).sorted { (overdue[$0] ?? 0, open[$0] ?? 0, $1) > (overdue[$1] ?? 0, open[$1] ?? 0, $0) }.prefix(40)
        html += "<h2>\(HTML.label("Afate të hapura dhe të kaluara sipas institucionit", "Open and overdue deadlines per agency"))</h2>"
        if parties.isEmpty {
            html += "<p class=\"empty\">\(HTML.label("Asnjë afat i hapur.", "No open deadline."))</p>"
        } else {
            let names = parties.map { p -> String in
                if p.hasPrefix("kind:") { return HTML.escape(String(p.dropFirst(5))) }
                return HTML.escape((try? AgencyID(p)).flatMap { gateway.directory.snapshot[$0]?.name } ?? p)
            }
            html += Charts.rows(names, [
                .init(label: ("Të kaluara", "overdue"), color: "#b42318", values: parties.map { Double(overdue[$0] ?? 0) }),
                .init(label: ("Të hapura", "open"), color: "#457b9d", values: parties.map { Double(open[$0] ?? 0) }),
            ])
        }
        return html
    }

    static let subjects: [String: (String, String)] = [
        "child": ("Fëmijë", "child"), "adult": ("I rritur", "adult"), "unknown": ("Moshë e panjohur (si fëmijë)", "age unknown (treated as a child)"),
    ]

    static let roles: [String: (String, String)] = [
        "interviewer": ("Intervistuesi", "interviewer"), "interpreter": ("Përkthyesi", "interpreter"), "psychologist": ("Psikologu", "psychologist"),
        "guardian": ("Kujdestari", "guardian"), "child-protection-worker": ("Punonjësi i mbrojtjes së fëmijës", "child-protection worker"),
        "other": ("Person i tretë", "third person present"),
    ]

    private func casePage(_ caseReference: CaseReference) throws -> String {
        let words = self.words
        let messages = try gateway.store.messages(matching: MessageFilter(caseReference: caseReference, limit: 10_000))
            .sorted { ($0.acceptedAt, $0.metadata.id.rawValue) < ($1.acceptedAt, $1.metadata.id.rawValue) }
        let deadlines = try gateway.store.deadlines(forCase: caseReference)
        var html = "<p>\(HTML.label("Vetëm meta të dhëna të rastit; përmbajtjen e lexojnë vetëm institucionet.", "The case's metadata only; only the agencies read the bodies."))"
        html += " <a href=\"/messages?case=\(HTML.escape(HTML.query(caseReference.rawValue)))\">\(HTML.label("Mesazhet e filtruara", "Filtered messages"))</a></p>"
        html += "<h2>\(HTML.label("Mesazhet", "Messages"))</h2>"
        html += HTML.table([("Pranuar", "Accepted"), ("Lloji", "Type"), ("Nga", "From"), ("Marrësit dhe gjendja", "Recipients and state"), ("Afatet", "Deadlines"), ("Kronologjia", "Timeline")],
                           messages.map { m in
                               let md = m.metadata
                               let recipients = m.deliveries.map { "\(words.agency($0.recipient.rawValue)): \(words.deliveryState($0.state.rawValue))" }.joined(separator: "<br>")
                               var notes: [String] = []
                               for d in deadlines where d.trigger == md.id { notes.append("\(HTML.label("nis", "starts")) \(deadlineName(d, words))") }
                               for d in deadlines where d.repeatedBy.contains(md.id) { notes.append("\(HTML.label("përsërit", "repeats")) \(deadlineName(d, words))") }
                               for d in deadlines where d.state == .met && d.metBy == md.id {
                                   notes.append("<span class=\"ok\">\(HTML.label("përmbush", "meets"))</span> \(deadlineName(d, words))\(d.metLate ? " <span class=\"bad\">\(HTML.label("me vonesë", "late"))</span>" : "")")
                               }
                               return [words.time(m.acceptedAt), words.type(md.type.rawValue), words.agency(md.from.rawValue), recipients,
                                       notes.joined(separator: "<br>"), link(md.id.rawValue, "/messages/")]
                           }, empty: ("Asnjë mesazh për këtë rast.", "No message in this case."))
        html += "<h2>\(HTML.label("Afatet", "Deadlines"))</h2>"
        html += HTML.table([("Gjendja", "State"), ("Pritet", "Expected"), ("Nga", "By"), ("Afati", "Due"), ("Nisur nga", "Started by"), ("Përmbushur nga", "Met by")],
                           deadlines.map { d in
                               let by = d.responsible.isEmpty ? d.responsibleKinds.map { words.kind($0) }.joined(separator: ", ") : words.agencies(d.responsible.map(\.rawValue))
                               let due = d.state == .open || d.state == .overdue ? "\(words.time(d.due))<br>\(words.relative(d.due))" : words.time(d.due)
                               var started = "\(words.type(d.triggerType.rawValue))<br><small>\(link(d.trigger.rawValue, "/messages/"))</small>"
                               if !d.repeatedBy.isEmpty {
                                   started += "<br>\(HTML.label("nxitur sërish nga", "triggered again by")) " + d.repeatedBy.map { link($0.rawValue, "/messages/") }.joined(separator: ", ")
                               }
                               let met = d.metBy.map { "\(link($0.rawValue, "/messages/"))<br>\(words.time(d.metAt))" } ?? ""
                               return [words.deadlineState(d.state.rawValue) + (d.optional ? " <span class=\"muted\">(\(HTML.label("afat i mundshëm", "window")))</span>" : ""),
                                       d.expected.map { words.type($0.rawValue, link: false) }.joined(separator: "<br>"), by, due, started, met]
                           }, empty: ("Asnjë afat.", "No deadline."))
        html += "<h2>\(HTML.label("Deklaratat (A1)", "Declarations (A1)"))</h2>"
        html += HTML.table([("Roli", "Role"), ("Institucioni", "Agency"), ("Data", "Declared on"), ("Regjistruar", "Recorded")],
                           try gateway.store.declarations(forCase: caseReference).map { d in
                               [words.word(d.role.rawValue, in: Self.roles), words.agency(d.agency.rawValue), HTML.escape(d.declaredOn), words.time(d.recordedAt)]
                           }, empty: ("Asnjë deklaratë për këtë rast.", "No declaration for this case."))
        return html
    }

    private func deadlineName(_ d: Deadline, _ words: DashboardWords) -> String {
        "\(d.expected.map { words.type($0.rawValue, link: false) }.joined(separator: " / ")) (\(HTML.escape(d.rule.description)), \(words.deadlineState(d.state.rawValue)))"
    }

    // MARK: Responses

    func notFound(_ session: DashboardAccess.Session?) -> HTTPResponse {
        page(status: 404, ("Nuk u gjet", "Not found"), current: "", csrf: session?.csrf, body: "<p>\(HTML.label("Kjo faqe nuk ekziston.", "There is no such page."))</p>")
    }

    private func page(status: Int = 200, _ title: (String, String), current: String, csrf: String?, body: String) -> HTTPResponse {
        HTTPResponse(status: status, headers: [
            "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ], body: Array(HTML.page(title, current: current, csrf: csrf, body: body).utf8))
    }
}
