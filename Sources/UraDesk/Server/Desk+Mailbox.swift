import Foundation
import UraClient
import UraHTTPCore
import UraJSON
import UraModel

/// The pages that show what went out and what came in: home, outbox (each message's state),
/// inbox (each form as a form, and its print view), receipts, and a case.
extension Desk {
    /// Where a message this desk sealed stands.
    enum SentState {
        case waiting
        case retrying(attempts: Int, next: Date, lastError: String)
        case refused
        case accepted
        case delivered(Int, of: Int)
        case failed(String)

        var label: (String, String) {
            switch self {
            case .waiting: ("Në pritje", "waiting")
            case .retrying: ("Do të riprovohet", "retrying")
            case .refused: ("Refuzuar nga porta", "failed: refused by the gateway")
            case .accepted: ("Pranuar nga porta", "accepted")
            case .delivered(let n, let total): n == total ? ("Dorëzuar", "delivered") : ("Dorëzuar te \(n) nga \(total)", "delivered to \(n) of \(total)")
            case .failed: ("Dështoi", "failed")
            }
        }
        var css: String {
            switch self {
            case .delivered(let n, let t) where n == t: "ok"
            case .refused, .failed: "bad"
            default: "state"
            }
        }
    }

    func state(of id: String, recipients: Int) -> SentState {
        if let outbox = try? Outbox.folder(of: profile), FileManager.default.fileExists(atPath: outbox.appendingPathComponent("\(id).jws").path) {
            if let entry = (try? OutboxRetry.load(profile))?.entries[id], entry.attempts > 0 {
                return .retrying(attempts: entry.attempts, next: entry.nextAt, lastError: entry.lastError)
            }
            return .waiting
        }
        if FileManager.default.fileExists(atPath: profile.state.appendingPathComponent("rejected/\(id).jws").path) { return .refused }
        let receipts = files.receipts().byMessage[id] ?? []
        if let failed = receipts.first(where: { $0["kind"]?.stringValue == "failed" }) {
            return .failed(failed["reason"]?.stringValue ?? "")
        }
        let delivered = Set(receipts.filter { $0["kind"]?.stringValue == "delivered" }.compactMap { $0["recipient"]?.stringValue }).count
        return delivered > 0 ? .delivered(delivered, of: max(recipients, delivered)) : .accepted
    }

    /// Agencies by name (their ids on hover), as far as the directory last fetched knows them.
    func agenciesHTML(_ ids: [String]) -> String {
        let directory = knownDirectory.withLock { $0 }
        return ids.map { id in
            guard let name = (try? AgencyID(id)).flatMap({ directory?[$0] })?.name else { return HTML.escape(id) }
            return "<span title=\"\(HTML.escape(id))\">\(HTML.escape(name))</span>"
        }.joined(separator: "<br>")
    }

    func typeHTML(_ raw: String) -> String {
        guard let entry = (try? MessageType(raw)).flatMap({ catalogue.catalogue[$0] }) else { return HTML.escape(raw) }
        return (entry.form.map { "<b class=\"form\">\(HTML.escape($0))</b> " } ?? "") + HTML.label(entry.titleSq, entry.title)
    }

    func time(_ text: String?) -> String {
        guard let text, let date = RFC3339.date(from: text) else { return HTML.escape(text ?? "–") }
        return HTML.escape(LocalTime.string(from: date))
    }

    func noticeHTML(_ key: String) -> String {
        guard let notice = notices.withLock({ $0[key] }) else { return "" }
        return "<div class=\"warn\" role=\"status\"><p>\(HTML.label("Porta nuk arrihet tani ose diçka nuk shkoi. Asgjë nuk humbet: mesazhet që presin dërgohen vetë sapo porta të arrihet.", "The gateway cannot be reached now or something failed. Nothing is lost: waiting messages go by themselves once it can be reached."))</p>"
            + "<details><summary>\(HTML.label("Hollësi", "Details"))</summary><p><code>\(HTML.escape(notice))</code></p></details></div>"
    }

    func home(_ session: DeskAccess.Session) async throws(DeskError) -> HTTPResponse {
        let waiting = (try? Outbox.waiting(in: profile).count) ?? 0
        let inbox = inboxRecords().count, drafts = files.drafts().count
        var html = "<p>\(HTML.label("Kjo tryezë punon vetëm në këtë kompjuter; çelësat mbeten këtu dhe formularët udhëtojnë të enkriptuar.", "This desk runs on this computer only; the keys stay here and the forms travel encrypted."))</p>"
        html += "<ul class=\"types\">"
        html += "<li><a href=\"/compose\">\(HTML.label("Plotësoni një formular të ri", "Fill in a new form"))</a>\(drafts > 0 ? " — \(drafts) \(HTML.label("drafte", "drafts"))" : "")</li>"
        html += "<li><a href=\"/outbox\">\(HTML.label("Të dërguarat", "Outbox"))</a> — \(waiting) \(HTML.label("në pritje", "waiting"))</li>"
        html += "<li><a href=\"/inbox\">\(HTML.label("Të ardhurat", "Inbox"))</a> — \(inbox) \(HTML.label("mesazhe", "messages"))</li>"
        html += "<li><a href=\"/declaration\">\(HTML.label("Deklarata e konfidencialitetit (A1)", "Confidentiality declaration (A1)"))</a></li></ul>"
        return page(("Tryeza e Urës", "Ura desk"), current: "/", session: session, body: html)
    }

    // MARK: Outbox

    func outboxPage(_ session: DeskAccess.Session, notice sentID: String?) -> HTTPResponse {
        var html = ""
        if let sentID, DeskFiles.isName(sentID) {
            html += "<div class=\"notice\" role=\"status\">\(HTML.label("Mesazhi u vulos dhe u ruajt në kutinë dalëse; dërgohet vetë, edhe kur porta nuk arrihet tani.", "The message is sealed and kept in the outbox; it is sent by itself, also if the gateway cannot be reached now.")) <small class=\"id\">\(HTML.escape(sentID))</small></div>"
        }
        html += noticeHTML("outbox")
        html += "<form method=\"post\" action=\"/outbox\" class=\"inline\">\(csrfField(session))<button>\(HTML.label("Dërgo tani çfarë pret", "Send what waits now"))</button></form>"
        var rows: [[String]] = []
        var listed = Set<String>()
        let sent = files.sentMessages()
        for record in sent {
            guard let id = record["id"]?.stringValue else { continue }
            listed.insert(id)
            let to = record["to"]?.arrayValue?.compactMap(\.stringValue) ?? []
            let state = state(of: id, recipients: to.count)
            var detail = ""
            switch state {
            case .retrying(let attempts, let next, let lastError):
                detail = "<br>\(HTML.label("Provimi tjetër", "Next try")): \(HTML.escape(LocalTime.string(from: next))) · \(attempts) \(HTML.label("përpjekje", "attempts"))<br><small>\(HTML.label("Gabimi i fundit", "Last error")): \(HTML.escape(lastError))</small>"
            case .failed(let reason):
                detail = "<br><small>\(HTML.escape(reason))</small>"
            case .refused:
                detail = "<br><small>\(HTML.label("Dërgimi përsëri nuk ndihmon; dërgoni një formular të korrigjuar.", "Sending it again cannot help; send a corrected form."))</small>"
            default: break
            }
            rows.append(["<a href=\"/sent/\(HTML.escape(id))\">\(typeHTML(record["type"]?.stringValue ?? ""))</a><br><small class=\"id\">\(HTML.escape(id))</small>",
                         agenciesHTML(to), "<a href=\"/case/\(HTML.escape(record["case"]?.stringValue ?? ""))\">\(HTML.escape(record["case"]?.stringValue ?? ""))</a>",
                         time(record["created"]?.stringValue), "<span class=\"\(state.css)\">\(HTML.label(state.label.0, state.label.1))</span>\(detail)"])
        }
        // Messages `ura send` kept: the outbox is the same.
        for file in (try? Outbox.waiting(in: profile)) ?? [] {
            let id = file.deletingPathExtension().lastPathComponent
            guard !listed.contains(id) else { continue }
            let state = state(of: id, recipients: 1)
            rows.append(["<small class=\"id\">\(HTML.escape(id))</small> <span class=\"muted\">(ura send)</span>", "", "", "",
                         "<span class=\"state\">\(HTML.label(state.label.0, state.label.1))</span>"])
        }
        html += HTML.table([("Formulari", "Form"), ("Marrësit", "Recipients"), ("Rasti", "Case"), ("Vulosur", "Sealed"), ("Gjendja", "State")], rows,
                           empty: ("Asnjë mesazh i dërguar.", "No message sent yet."))
        return page(("Të dërguarat", "Outbox"), current: "/outbox", session: session, body: html)
    }

    func sendNow(_ session: DeskAccess.Session) async -> HTTPResponse {
        await sendOutbox(all: true)
        await readReceipts()
        return redirect("/outbox")
    }

    func sentMessage(_ id: String, _ session: DeskAccess.Session) throws(DeskError) -> HTTPResponse {
        guard let record = files.sent(id), let type = record["type"]?.stringValue.flatMap({ try? MessageType($0) }) else {
            throw DeskError("No message \(id) was sent from this desk.", .notFound)
        }
        let to = record["to"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let state = state(of: id, recipients: to.count)
        var html = "<p><span class=\"\(state.css)\">\(HTML.label(state.label.0, state.label.1))</span> · \(HTML.escape(to.joined(separator: ", "))) · \(HTML.escape(record["case"]?.stringValue ?? ""))</p>"
        html += receiptsTable(id)
        html += (try? form(type).root.display(record["form"] ?? .null)) ?? ""
        return page((typeTitle(type).0, typeTitle(type).1), current: "/outbox", session: session, body: html)
    }

    func typeTitle(_ type: MessageType) -> (String, String) {
        guard let entry = catalogue.catalogue[type] else { return (type.rawValue, type.rawValue) }
        return ((entry.form.map { "\($0) — " } ?? "") + entry.titleSq, entry.title)
    }

    // MARK: Inbox

    func inboxRecords() -> [JSONValue] {
        guard let store = try? InboxStore(profile: profile) else { return [] }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: store.folder.path)) ?? []).filter { $0.hasSuffix(".json") }
        return names.compactMap { name in
            FileManager.default.contents(atPath: store.folder.appendingPathComponent(name).path).flatMap { try? JSONValue(parsing: Array($0)) }
        }.sorted { ($0["created"]?.stringValue ?? "") > ($1["created"]?.stringValue ?? "") }
    }

    func inboxPage(_ session: DeskAccess.Session) -> HTTPResponse {
        var html = noticeHTML("inbox")
        html += "<form method=\"post\" action=\"/inbox\" class=\"inline\">\(csrfField(session))<button>\(HTML.label("Merr mesazhet e reja", "Fetch new messages"))</button></form>"
        let rows = inboxRecords().map { r -> [String] in
            let id = r["id"]?.stringValue ?? ""
            return ["<a href=\"/inbox/\(HTML.escape(id))\">\(typeHTML(r["type"]?.stringValue ?? ""))</a><br><small class=\"id\">\(HTML.escape(id))</small>",
                    agenciesHTML([r["from"]?.stringValue ?? ""]), "<a href=\"/case/\(HTML.escape(r["case"]?.stringValue ?? ""))\">\(HTML.escape(r["case"]?.stringValue ?? ""))</a>",
                    time(r["created"]?.stringValue), "<span class=\"ok\">\(HTML.label("Verifikuar, ruajtur, konfirmuar", "verified, kept, acknowledged"))</span>"]
        }
        html += HTML.table([("Formulari", "Form"), ("Nga", "From"), ("Rasti", "Case"), ("Dërguar", "Sent"), ("Gjendja", "State")], rows,
                           empty: ("Asnjë mesazh.", "No message yet."))
        return page(("Të ardhurat", "Inbox"), current: "/inbox", session: session, body: html)
    }

    func fetchNow(_ session: DeskAccess.Session) async -> HTTPResponse {
        await fetchInbox(wait: 0)
        return redirect("/inbox")
    }

    func message(_ id: String, print: Bool, _ session: DeskAccess.Session) throws(DeskError) -> HTTPResponse {
        let store: InboxStore
        do { store = try InboxStore(profile: profile) } catch { throw DeskError(error.message, .failed) }
        guard DeskFiles.isName(id), let record = try? store.record(id), let type = record["type"]?.stringValue.flatMap({ try? MessageType($0) }) else {
            throw DeskError("Message \(id) is not in this desk's inbox.", .notFound)
        }
        var html = "<table><tbody>"
        html += "<tr><th scope=\"row\">\(HTML.label("Nga", "From"))</th><td>\(agenciesHTML([record["from"]?.stringValue ?? ""])) <small class=\"id\">\(HTML.escape(record["from"]?.stringValue ?? ""))</small></td></tr>"
        html += "<tr><th scope=\"row\">\(HTML.label("Për", "To"))</th><td>\(agenciesHTML((record["to"]?.arrayValue ?? []).compactMap(\.stringValue)))</td></tr>"
        html += "<tr><th scope=\"row\">\(HTML.label("Rasti", "Case"))</th><td>\(HTML.escape(record["case"]?.stringValue ?? ""))</td></tr>"
        html += "<tr><th scope=\"row\">\(HTML.label("Përparësia", "Priority"))</th><td>\(HTML.escape(record["priority"]?.stringValue ?? ""))</td></tr>"
        html += "<tr><th scope=\"row\">\(HTML.label("Dërguar", "Sent"))</th><td>\(time(record["created"]?.stringValue))</td></tr>"
        html += "<tr><th scope=\"row\">\(HTML.label("Identifikuesi", "Message id"))</th><td><small class=\"id\">\(HTML.escape(id))</small></td></tr>"
        html += "<tr><th scope=\"row\">\(HTML.label("Nënshkrimi", "Signature"))</th><td>\(HTML.label("Verifikuar; origjinali i nënshkruar ruhet në", "Verified; the signed original is kept at")) <code>\(HTML.escape(store.original(id).path))</code> (<code>ura verify</code>)</td></tr>"
        html += "</tbody></table>"
        if !print { html += "<p class=\"actions\"><a href=\"/inbox/\(HTML.escape(id))/print\">\(HTML.label("Versioni për shtypje", "Print view"))</a></p>" }
        html += "<h2>\(HTML.label("Formulari", "Form"))</h2>"
        html += (try? form(type).root.display(record["form"] ?? .null)) ?? "<pre>\(HTML.escape(record["form"]?.serializedString(options: .prettyPrinted) ?? ""))</pre>"
        let title = typeTitle(type)
        return page((title.0, title.1), current: "/inbox", session: session, body: html, printView: print)
    }

    // MARK: Receipts

    func receiptsTable(_ id: String) -> String {
        let rows = (files.receipts().byMessage[id] ?? []).map { r -> [String] in
            let kind = r["kind"]?.stringValue ?? ""
            var words: (String, String) = kind == "delivered" ? ("Dorëzuar", "delivered") : kind == "failed" ? ("Dështoi", "failed") : (kind, kind)
            // Across a border: the peer gateway's own accepted receipt.
            if kind == "accepted", let by = r["by"]?.stringValue { words = ("Pranuar nga porta \(by)", "accepted by gateway \(by)") }
            return [HTML.label(words.0, words.1), agenciesHTML([r["recipient"]?.stringValue ?? ""]), time(r["at"]?.stringValue), HTML.escape(r["reason"]?.stringValue ?? "")]
        }
        return HTML.table([("Dëftesa", "Receipt"), ("Marrësi", "Recipient"), ("Kur", "When"), ("Arsyeja", "Reason")], rows,
                          empty: ("Ende asnjë dëftesë dorëzimi.", "No delivery receipt yet."))
    }

    func receiptsPage(_ session: DeskAccess.Session) async -> HTTPResponse {
        await readReceipts()
        var html = noticeHTML("receipts")
        html += "<p>\(HTML.label("Çdo dëftesë është e nënshkruar nga marrësi ose nga porta dhe u verifikua këtu.", "Every receipt is signed by the recipient or the gateway and was checked here."))</p>"
        for record in files.sentMessages() {
            guard let id = record["id"]?.stringValue else { continue }
            html += "<h2>\(typeHTML(record["type"]?.stringValue ?? "")) <small class=\"id\">\(HTML.escape(id))</small></h2>" + receiptsTable(id)
        }
        return page(("Dëftesat", "Receipts"), current: "/receipts", session: session, body: html)
    }

    // MARK: Case

    /// One event of a case's timeline in words (as `ura case` prints it), Albanian first.
    func eventHTML(_ e: JSONValue) -> String {
        func s(_ key: String) -> String { e[key]?.stringValue ?? "" }
        let expected = (e["expected"]?.arrayValue ?? []).compactMap(\.stringValue).map(typeHTML).joined(separator: " / ")
        let due = time(e["due"]?.stringValue)
        switch s("event") {
        case "message.accepted":
            return "\(HTML.label("Pranuar", "Accepted")): \(typeHTML(s("type"))) — \(agenciesHTML([s("from")])) → \(agenciesHTML((e["to"]?.arrayValue ?? []).compactMap(\.stringValue)))"
        case "delivery.delivered": return "\(HTML.label("Dorëzuar te", "Delivered to")) \(agenciesHTML([s("recipient")]))"
        case "delivery.failed": return "<span class=\"bad\">\(HTML.label("Dështoi te", "Failed to"))</span> \(agenciesHTML([s("recipient")])): \(HTML.escape(s("reason")))"
        case "deadline.armed": return "\(HTML.label("Afat", "Deadline")): \(expected), \(HTML.label("deri më", "due")) \(due)"
        case "deadline.repeated": return "\(HTML.label("Afati përsëritet", "Deadline repeated")): \(expected), \(HTML.label("deri më", "due")) \(due)"
        case "deadline.met": return "<span class=\"ok\">\(HTML.label("Afati u përmbush", "Deadline met"))</span>: \(expected)\(e["late"]?.boolValue == true ? " — " + HTML.label("me vonesë", "late") : "")"
        case "deadline.cancelled": return "\(HTML.label("Afati u anulua", "Deadline cancelled")): \(expected)"
        case "deadline.overdue": return "<span class=\"bad\">\(HTML.label("Afati u kalua", "Deadline overdue"))</span>: \(expected), \(HTML.label("ishte më", "was due")) \(due)"
        case "declaration.recorded":
            let role = catalogue.words.value(s("role"))
            return "\(HTML.label("Deklaratë A1", "Declaration A1")) (\(HTML.label(role.sq, role.en))) — \(agenciesHTML([s("agency")])), \(HTML.escape(s("declared_on")))"
        default: return HTML.escape(s("event"))
        }
    }

    func casePage(_ text: String, _ session: DeskAccess.Session) async throws(DeskError) -> HTTPResponse {
        var html = "<form method=\"get\" action=\"/case\"><div class=\"field\"><label for=\"case\">\(HTML.label("Referenca e rastit", "Case reference"))</label>"
        html += "<input type=\"text\" id=\"case\" name=\"case\" value=\"\(HTML.escape(text))\"> <button>\(HTML.label("Shfaq", "Show"))</button></div></form>"
        guard !text.isEmpty else { return page(("Rasti", "Case"), current: "/case", session: session, body: html) }
        guard let caseReference = try? CaseReference(text) else { throw DeskError("'\(text)' is not a case reference (like AL-2026-000061).", .notFound) }
        let sent = files.sentMessages().filter { $0["case"]?.stringValue == caseReference.rawValue }
        let received = inboxRecords().filter { $0["case"]?.stringValue == caseReference.rawValue }
        html += "<h2>\(HTML.label("Mesazhet në këtë kompjuter", "Messages on this computer"))</h2>"
        let rows = (sent.map { ($0, true) } + received.map { ($0, false) }).sorted { ($0.0["created"]?.stringValue ?? "") < ($1.0["created"]?.stringValue ?? "") }.map { r, out -> [String] in
            let id = r["id"]?.stringValue ?? ""
            return ["<a href=\"/\(out ? "sent" : "inbox")/\(HTML.escape(id))\">\(typeHTML(r["type"]?.stringValue ?? ""))</a>",
                    out ? HTML.label("Dërguar", "sent") : HTML.label("Marrë nga", "received from") + " " + HTML.escape(r["from"]?.stringValue ?? ""), time(r["created"]?.stringValue)]
        }
        html += HTML.table([("Formulari", "Form"), ("Drejtimi", "Direction"), ("Kur", "When")], rows, empty: ("Asnjë.", "None."))
        html += "<h2>\(HTML.label("Si e sheh porta (mesazhe, afate, deklarata)", "As the gateway shows it (messages, deadlines, declarations)"))</h2>"
        do {
            let timeline = try await CaseClient.timeline(connection, of: caseReference)
            let events = (timeline["events"]?.arrayValue ?? []).map { e -> [String] in [time(e["at"]?.stringValue), eventHTML(e)] }
            html += HTML.table([("Kur", "When"), ("Çfarë", "What")], events, empty: ("Porta nuk di asgjë për këtë rast.", "The gateway knows nothing of this case."))
        } catch {
            html += "<p class=\"muted\">\(HTML.escape(error.message))</p>"
        }
        html += "<h2>\(HTML.label("Deklaratat e konfidencialitetit (A1)", "Confidentiality declarations (A1)"))</h2>"
        do {
            let declarations = try await CaseClient.declarations(connection, of: caseReference)
            html += HTML.table([("Deklaruar më", "Declared on"), ("Roli", "Role"), ("Emri", "Name"), ("Institucioni", "Agency")], declarations.map { d in
                let role = catalogue.words.value(d["role"]?.stringValue ?? "")
                return [HTML.escape(d["declared_on"]?.stringValue ?? ""), HTML.label(role.sq, role.en), HTML.escape(d["name"]?.stringValue ?? ""),
                        agenciesHTML([d["agency"]?.stringValue ?? ""])]
            }, empty: ("Asnjë deklaratë.", "No declaration on file."))
        } catch {
            html += "<p class=\"muted\">\(HTML.escape(error.message))</p>"
        }
        return page(("Rasti \(caseReference)", "Case \(caseReference)"), current: "/case", session: session, body: html)
    }
}
