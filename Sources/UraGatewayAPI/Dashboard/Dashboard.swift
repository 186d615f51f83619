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

    func deadlinesPage(_ session: DashboardAccess.Session) throws -> HTTPResponse {
        page(("Afatet", "Deadlines"), current: "/deadlines", csrf: session.csrf, body: try deadlines(MonitorReport(gateway: gateway)))
    }

    func deadLettersPage(_ request: HTTPRequest, _ session: DashboardAccess.Session) throws -> HTTPResponse {
        page(("Të dështuarat", "Dead letters"), current: "/dead-letters", csrf: session.csrf,
             body: try deadLetters(MonitorReport(gateway: gateway), session, notice: request.queryValue("redriven")))
    }

    func agenciesPage(_ session: DashboardAccess.Session) throws -> HTTPResponse {
        page(("Institucionet", "Agencies"), current: "/agencies", csrf: session.csrf, body: try agencies(MonitorReport(gateway: gateway)))
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
        html += card(("Afate të kaluara", "Overdue deadlines"), n(o["deadlines"]?["overdue"]), bad: overdue > 0)
        let l = o["latency_seconds"]
        html += card(("Vonesa p50 / p99 (s)", "Latency p50 / p99 (s)"), "\(HTML.escape(number(l?["p50"]))) / \(HTML.escape(number(l?["p99"])))")
        html += "</div>" + ledgerSection(o["ledger"])
        html += "<h2>\(HTML.label("Institucionet", "Agencies"))</h2>" + agencyTable(o["agencies"]?.arrayValue ?? [])
        return html
    }

    private func card(_ label: (String, String), _ value: String, bad: Bool = false) -> String {
        "<div class=\"card\"><b\(bad ? " class=\"bad\"" : "")>\(value)</b>\(HTML.label(label.0, label.1))</div>"
    }

    private func number(_ v: JSONValue?) -> String { v?.numberValue.map { String(format: "%.3f", $0) } ?? "–" }

    private func ledgerSection(_ ledger: JSONValue?) -> String {
        var text = "\(HTML.label("Regjistri", "Ledger")): \(HTML.escape(ledger?["entries"]?.intValue.map(String.init) ?? "?")) \(HTML.label("hyrje", "entries"))"
        if let at = ledger?["last_checkpoint"]?["at"]?.stringValue { text += "; \(HTML.label("pika e fundit e nënshkruar", "last signed checkpoint")) \(HTML.escape(at))" }
        if let v = ledger?["last_verification"], v != .null {
            text += v["intact"] == true
                ? "; <span class=\"ok\">\(HTML.label("verifikuar i paprekur", "verified intact"))</span> \(HTML.escape(v["at"]?.stringValue ?? ""))"
                : "; <span class=\"bad\">\(HTML.label("VERIFIKIMI DËSHTOI", "VERIFICATION FAILED"))</span> \(HTML.escape(v["at"]?.stringValue ?? ""))"
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
                       var reach = HTML.escape(r?["state"]?.stringValue ?? "?")
                       if r?["state"] == "failing" {
                           reach = "<span class=\"bad\">\(reach)</span> \(HTML.escape(r?["failing_since"]?.stringValue ?? "")), \(HTML.escape(String(r?["consecutive_failures"]?.intValue ?? 0))) × \(HTML.escape(r?["last_error"]?.stringValue ?? ""))"
                       }
                       let rate = a["success_rate"]?.numberValue.map { String(format: "%.0f%%", $0 * 100) } ?? "–"
                       return [link(a["agency"]?.stringValue ?? "", "/messages?agency="), count(a["pending"]), count(a["in_flight"]), count(a["retry_scheduled"]),
                               count(a["delivered"]), count(a["dead_letter"]), HTML.escape(rate), reach]
                   }, empty: ("Asnjë institucion.", "No agency."))
    }

    private func count(_ v: JSONValue?) -> String { HTML.escape(v?.intValue.map(String.init) ?? "0") }

    private func link(_ value: String, _ prefix: String) -> String {
        "<a href=\"\(HTML.escape(prefix + HTML.query(value)))\">\(HTML.escape(value))</a>"
    }

    private func messages(_ request: HTTPRequest, _ report: MonitorReport) throws -> String {
        var filter = MessageFilter(limit: 200)
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
        let states = ["", "pending", "in_flight", "retry_scheduled", "delivered", "dead_letter"].map {
            "<option value=\"\($0)\"\($0 == stateText ? " selected" : "")>\($0.isEmpty ? "—" : HTML.escape($0))</option>"
        }.joined()
        var html = """
            <form class="filters" method="get" action="/messages">
            \(HTML.label("Rasti", "Case")) <input name="case" value="\(HTML.escape(caseText))" size="16">
            \(HTML.label("Lloji", "Type")) <input name="type" value="\(HTML.escape(typeText))" size="28">
            \(HTML.label("Institucioni", "Agency")) <input name="agency" value="\(HTML.escape(agencyText))" size="26">
            \(HTML.label("Gjendja", "State")) <select name="state">\(states)</select>
            <button>\(HTML.label("Filtro", "Filter"))</button></form>
            """
        let list = try report.messages(filter)["messages"]?.arrayValue ?? []
        html += HTML.table([("Pranuar", "Accepted"), ("Mesazhi", "Message"), ("Lloji", "Type"), ("Rasti", "Case"), ("Nga", "From"), ("Dorëzimet", "Deliveries")],
                           list.map { m in
                               let deliveries = (m["deliveries"]?.arrayValue ?? []).map {
                                   "\(HTML.escape($0["recipient"]?.stringValue ?? "")): \(HTML.escape($0["state"]?.stringValue ?? ""))"
                               }.joined(separator: "<br>")
                               return [HTML.escape(m["accepted_at"]?.stringValue ?? ""), link(m["id"]?.stringValue ?? "", "/messages/"),
                                       link(m["type"]?.stringValue ?? "", "/messages?type="), link(m["case"]?.stringValue ?? "", "/messages?case="),
                                       HTML.escape(m["from"]?.stringValue ?? ""), deliveries]
                           }, empty: ("Asnjë mesazh.", "No message."))
        return html
    }

    private func message(_ id: MessageID, _ report: MonitorReport, _ session: DashboardAccess.Session) throws -> HTTPResponse {
        guard let m = try gateway.store.message(id) else { return notFound(session) }
        let md = m.metadata
        var html = "<table>"
        for (label, value) in [(("Mesazhi", "Message"), md.id.rawValue), (("Lloji", "Type"), md.type.rawValue), (("Rasti", "Case"), md.caseReference.rawValue),
                               (("Nga", "From"), md.from.rawValue), (("Për", "To"), md.to.map(\.rawValue).joined(separator: ", ")),
                               (("Subjekti", "Subject"), md.subject.rawValue), (("Pranuar", "Accepted"), RFC3339.string(from: m.acceptedAt))] {
            html += "<tr><th>\(HTML.label(label.0, label.1))</th><td>\(HTML.escape(value))</td></tr>"
        }
        html += "</table><h2>\(HTML.label("Dorëzimet", "Deliveries"))</h2>"
        html += HTML.table([("Marrësi", "Recipient"), ("Kanali", "Channel"), ("Gjendja", "State"), ("Provat", "Attempts"), ("Gabimi i fundit", "Last error"), ("Mbyllur", "Settled")],
                           try gateway.store.deliveries(of: id).map { d in
                               [HTML.escape(d.recipient.rawValue), HTML.escape(d.channel.rawValue), HTML.escape(d.state.rawValue), HTML.escape(String(d.attempts)),
                                HTML.escape(d.lastError ?? ""), HTML.escape(d.settledAt.map { RFC3339.string(from: $0) } ?? "")]
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
            rows.append([HTML.escape(leaf["at"]?.stringValue ?? ""), HTML.escape(leaf["kind"]?.stringValue ?? ""),
                         HTML.escape(leaf["agency"]?.stringValue ?? ""), HTML.escape(details), HTML.escape(String(index))])
        }
        html += HTML.table([("Koha", "At"), ("Ngjarja", "Event"), ("Institucioni", "Agency"), ("Hollësi", "Details"), ("Hyrja", "Entry")], rows,
                           empty: ("Asnjë hyrje.", "No entry."))
        return page(("Mesazhi", "Message"), current: "/messages", csrf: session.csrf, body: html)
    }

    private func deadlines(_ report: MonitorReport) throws -> String {
        HTML.table([("Gjendja", "State"), ("Afati", "Due"), ("Rasti", "Case"), ("Pritet", "Expected"), ("Rregulli", "Rule"), ("Nxitësi", "Trigger"), ("Përgjegjës", "Responsible")],
                   (try report.deadlines(limit: 500)["deadlines"]?.arrayValue ?? []).map { d in
                       let state = d["state"]?.stringValue ?? ""
                       return [state == "overdue" ? "<span class=\"bad\">\(HTML.label("i kaluar", "overdue"))</span>" : HTML.label("i hapur", "open"),
                               HTML.escape(d["due"]?.stringValue ?? ""), link(d["case"]?.stringValue ?? "", "/messages?case="),
                               HTML.escape((d["expected"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " / ")),
                               HTML.escape(d["rule"]?.stringValue ?? ""),
                               "\(link(d["trigger"]?.stringValue ?? "", "/messages/")) \(HTML.escape(d["trigger_type"]?.stringValue ?? ""))",
                               HTML.escape((d["responsible"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "))]
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
                               return [HTML.escape(d["at"]?.stringValue ?? ""), link(message, "/messages/"), HTML.escape(recipient),
                                       HTML.escape(String(d["attempts"]?.intValue ?? 0)), HTML.escape(d["reason"]?.stringValue ?? ""), form]
                           }, empty: ("Asnjë mesazh i dështuar.", "No dead letter."))
        return html
    }

    private func agencies(_ report: MonitorReport) throws -> String {
        HTML.table([("Institucioni", "Agency"), ("Lloji", "Kind"), ("Emri", "Name"), ("Statusi", "Status"), ("Dorëzimi", "Delivery"),
                    ("Arritshmëria", "Reachability"), ("Suksesi i fundit", "Last success"), ("Dështime radhazi", "Failures in a row"), ("Gabimi i fundit", "Last error")],
                   (try report.agencies()["agencies"]?.arrayValue ?? []).map { a in
                       let state = a["state"]?.stringValue ?? ""
                       return [link(a["agency"]?.stringValue ?? "", "/messages?agency="), HTML.escape(a["kind"]?.stringValue ?? ""),
                               HTML.escape(a["name"]?.stringValue ?? ""), HTML.escape(a["status"]?.stringValue ?? ""), HTML.escape(a["delivery"]?.stringValue ?? ""),
                               state == "failing" ? "<span class=\"bad\">\(HTML.escape(state))</span>" : HTML.escape(state),
                               HTML.escape(a["last_success_at"]?.stringValue ?? a["last_poll_at"]?.stringValue ?? ""),
                               HTML.escape(String(a["consecutive_failures"]?.intValue ?? 0)), HTML.escape(a["last_error"]?.stringValue ?? "")]
                   }, empty: ("Asnjë institucion.", "No agency."))
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
                               [HTML.escape(d.role.rawValue), HTML.escape(d.agency.rawValue), HTML.escape(d.declaredOn),
                                HTML.escape(RFC3339.string(from: d.recordedAt)), "<code>\(HTML.escape(String(d.formDigest.prefix(16))))…</code>"]
                           }, empty: ("Asnjë deklaratë për këtë rast.", "No declaration for this case."))
        return html
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
