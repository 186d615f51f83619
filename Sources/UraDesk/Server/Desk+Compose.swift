import Foundation
import UraClient
import UraHTTPCore
import UraJSON
import UraModel
import UraSchema

/// Compose: the types this agency may send, then the chosen type's form with the envelope's
/// fields (recipients from the routing rules, case, subject, priority), validated on the server;
/// kept as a draft (0600) until it is sealed into the outbox.
extension Desk {
    /// The directory (fresh, or the copy cached for offline sealing) and this agency's entry.
    func directory() async throws(DeskError) -> Directory {
        do {
            let directory = try await connection.directoryOrCached().directory
            knownDirectory.withLock { $0 = directory }
            return directory
        } catch {
            throw DeskError("The directory of agencies is not available: \(error.message)", .failed)
        }
    }

    /// The catalogue's types this agency's kind may send.
    func sendable(_ directory: Directory) -> [CatalogueEntry] {
        guard let me = directory[profile.agency] else { return [] }
        return catalogue.catalogue.entries.filter { $0.from.contains(me.kind) }
    }

    /// The agencies a message of `entry` may go to (active, of a kind the routing allows, not this one).
    func recipients(_ entry: CatalogueEntry, _ directory: Directory) -> [Agency] {
        directory.agencies.filter { $0.id != profile.agency && entry.to.contains($0.kind) && $0.status == .active }
            .sorted { ($0.kind.rawValue, $0.name) < ($1.kind.rawValue, $1.name) }
    }

    /// Recipients ticked before the person chooses: the one agency of each kind the routing requires.
    func requiredRecipients(_ entry: CatalogueEntry, _ directory: Directory, subject: SubjectCategory) -> [AgencyID] {
        entry.routing.required(for: subject).compactMap { kind in
            let candidates = recipients(entry, directory).filter { $0.kind == kind }
            return candidates.count == 1 ? candidates[0].id : nil
        }
    }

    func chooseForm(_ session: DeskAccess.Session) async throws(DeskError) -> HTTPResponse {
        let directory = try await directory()
        let entries = sendable(directory)
        var body = "<p>\(HTML.label("Zgjidhni formularin që do të plotësoni. Lista përmban vetëm formularët që ky institucion mund të dërgojë sipas PSV-së.", "Choose the form to fill in. Only the forms this agency may send under the SOP are listed."))</p>"
        body += "<ul class=\"types\">" + entries.map { e in
            "<li><a href=\"/compose/\(HTML.escape(HTML.query(e.type.rawValue)))\">\(e.form.map { "<b class=\"form\">\(HTML.escape($0))</b> " } ?? "")\(HTML.label(e.titleSq, e.title))</a> <small class=\"id\">\(HTML.escape(e.type.rawValue))</small></li>"
        }.joined() + "</ul>"
        if entries.isEmpty { body += "<p class=\"empty\">\(HTML.label("Ky institucion nuk mund të dërgojë asnjë formular.", "This agency may send no form."))</p>" }
        let drafts = files.drafts()
        if !drafts.isEmpty {
            body += "<h2>\(HTML.label("Draftet", "Drafts"))</h2><ul>" + drafts.map { d in
                let title = (try? MessageType(d.type)).flatMap { catalogue.catalogue[$0] }.map { HTML.label($0.titleSq, $0.title) } ?? HTML.escape(d.type)
                return "<li><a href=\"/compose/\(HTML.escape(HTML.query(d.type)))?draft=\(HTML.escape(d.id))\">\(title)</a> <small class=\"id\">\(HTML.escape(d.fields["case"]?.stringValue ?? ""))</small></li>"
            }.joined() + "</ul>"
        }
        return page(("Formular i ri", "New form"), current: "/compose", session: session, body: body)
    }

    func compose(_ typeText: String, draft draftID: String?, _ session: DeskAccess.Session) async throws(DeskError) -> HTTPResponse {
        let (type, form, entry, directory) = try await composing(typeText)
        var draft = DeskFiles.Draft(id: MessageID.random().rawValue, type: type.rawValue, fields: [:], form: .object([:]))
        if let draftID, let kept = files.draft(draftID), kept.type == type.rawValue { draft = kept }
        if draft.fields["to"] == nil {
            draft.fields["to"] = .array(requiredRecipients(entry, directory, subject: .unknown).map { .string($0.rawValue) })
        }
        return composePage(form, entry, directory, draft, errors: FieldErrors(), envelopeErrors: [:], notice: nil, session)
    }

    func composing(_ typeText: String) async throws(DeskError) -> (MessageType, MessageForm, CatalogueEntry, Directory) {
        guard let type = try? MessageType(typeText), let entry = catalogue.catalogue[type] else {
            throw DeskError("'\(typeText)' is not a form of the catalogue.", .notFound)
        }
        let directory = try await directory()
        guard sendable(directory).contains(where: { $0.type == type }) else {
            throw DeskError("This agency (\(profile.agency)) may not send \(type) under the SOP's routing rules.", .forbidden)
        }
        return (type, try form(type), entry, directory)
    }

    func composePost(_ typeText: String, _ posted: PostedForm, _ session: DeskAccess.Session) async throws(DeskError) -> HTTPResponse {
        let (type, form, entry, directory) = try await composing(typeText)
        let action = posted["action"] ?? "send"
        let id = posted["draft"].flatMap { DeskFiles.isName($0) ? $0 : nil } ?? MessageID.random().rawValue
        var fields: [String: JSONValue] = ["to": .array(posted.all("to").map { .string($0) })]
        for name in ["case", "subject", "priority", "in_reply_to", "county"] { fields[name] = posted[name].map { .string($0) } }
        fields["participants"] = .array(posted.all("participants").map { .string($0) })
        var draft = DeskFiles.Draft(id: id, type: type.rawValue, fields: fields, form: form.body.decode(posted, keepRows: true))

        if action.hasPrefix("add:") || action.hasPrefix("remove:") {
            draft.form = MessageForm.apply(action, to: draft.form)
            return composePage(form, entry, directory, draft, errors: FieldErrors(), envelopeErrors: [:], notice: nil, session)
        }
        if action == "save" {
            try files.keep(draft)
            return composePage(form, entry, directory, draft, errors: FieldErrors(), envelopeErrors: [:],
                               notice: ("Drafti u ruajt në këtë kompjuter (i lexueshëm vetëm nga ju).", "The draft is kept on this computer (readable by you only)."), session)
        }
        // Check, and send when everything is in order.
        let caseText = posted["case"]?.trimmingCharacters(in: .whitespaces) ?? ""
        let value = form.value(posted, caseReference: caseText)
        let errors = form.check(value)
        var envelope: [String: (String, String)] = [:]
        let allowed = Set(recipients(entry, directory).map(\.id.rawValue))
        let to = posted.all("to")
        if to.isEmpty { envelope["to"] = ("Zgjidhni të paktën një marrës.", "Choose at least one recipient.") }
        if let foreign = to.first(where: { !allowed.contains($0) }) {
            envelope["to"] = ("Ky marrës nuk lejohet për këtë formular.", "\(foreign) may not receive this form under the routing rules.")
        }
        let caseReference = try? CaseReference(caseText)
        if caseReference == nil { envelope["case"] = ("Referenca e rastit ka formën AL-2026-000061.", "The case reference looks like AL-2026-000061.") }
        let subject = posted["subject"].flatMap(SubjectCategory.init(rawValue:))
        if subject == nil { envelope["subject"] = ("Zgjidhni për kë është formulari.", "Choose whom the form is about.") }
        let priority = posted["priority"].flatMap(Priority.init(rawValue:)) ?? .normal
        if let subject, envelope["to"] == nil {
            let chosenKinds = Set(to.compactMap { try? AgencyID($0) }.compactMap { directory[$0]?.kind })
            let missing = entry.routing.required(for: subject).filter { !chosenKinds.contains($0) }
            if !missing.isEmpty {
                envelope["to"] = ("Sipas PSV-së duhet përfshirë edhe: \(missing.map(\.rawValue).joined(separator: ", ")).",
                                  "The SOP's routing requires a recipient of kind \(missing.map(\.rawValue).joined(separator: ", ")).")
            }
        }
        var inReplyTo: MessageID?
        if let text = posted["in_reply_to"]?.trimmingCharacters(in: .whitespaces), !text.isEmpty {
            inReplyTo = try? MessageID(text)
            if inReplyTo == nil { envelope["in_reply_to"] = ("Ky nuk është një identifikues mesazhi.", "This is not a message id.") }
        }
        guard errors.isEmpty, envelope.isEmpty, action == "send", let caseReference, let subject else {
            try files.keep(draft)
            let ok = errors.isEmpty && envelope.isEmpty
            return composePage(form, entry, directory, draft, errors: errors, envelopeErrors: envelope,
                               notice: ok ? ("Formulari është në rregull; mund ta dërgoni.", "The form is in order; you may send it.") : nil, session,
                               status: ok ? 200 : 422)
        }
        var message = MessageComposer.Draft(type: type, to: to.compactMap { try? AgencyID($0) }, caseReference: caseReference, subject: subject, form: value)
        message.priority = priority
        message.inReplyTo = inReplyTo
        message.county = posted["county"].flatMap(County.init(rawValue:))
        let participants = posted.all("participants").compactMap(DeclarantRole.init(rawValue:))
        if !participants.isEmpty { message.participants = participants }
        let messageID = MessageID.random()
        let sealed: [UInt8]
        do {
            let key = try profile.loadSigningKey()
            sealed = try MessageComposer(agency: profile.agency, signingKey: key, directory: directory, catalogue: catalogue).compose(message, id: messageID, now: clock.now)
            _ = try Outbox.keep(sealed, id: messageID, in: profile)
        } catch {
            try files.keep(draft)
            throw DeskError("The message was not sealed (the draft is kept): \(error.message)", .failed)
        }
        var record = JSONObject()
        record["id"] = .string(messageID.rawValue)
        record["type"] = .string(type.rawValue)
        record["to"] = .array(message.to.map { .string($0.rawValue) })
        record["case"] = .string(caseReference.rawValue)
        record["subject"] = .string(subject.rawValue)
        record["priority"] = .string(priority.rawValue)
        record["created"] = .string(RFC3339.string(from: clock.now))
        record["form"] = value
        try files.keepSent(.object(record), id: messageID.rawValue)
        files.removeDraft(id)
        _ = await sendOutbox()
        return redirect("/outbox?sent=\(messageID.rawValue)")
    }

    func composePage(_ form: MessageForm, _ entry: CatalogueEntry, _ directory: Directory, _ draft: DeskFiles.Draft, errors: FieldErrors,
                     envelopeErrors: [String: (String, String)], notice: (String, String)?, _ session: DeskAccess.Session, status: Int = 200) -> HTTPResponse {
        func error(_ name: String) -> String {
            envelopeErrors[name].map { "<div class=\"error\" id=\"e-\(name)\"><p>\(HTML.label($0.0, $0.1))</p></div>" } ?? ""
        }
        func invalid(_ name: String) -> String { envelopeErrors[name] == nil ? "" : " aria-invalid=\"true\" aria-describedby=\"e-\(name)\"" }
        func fieldClass(_ name: String) -> String { envelopeErrors[name] == nil ? "field" : "field has-error" }
        let chosen = Set((draft.fields["to"]?.arrayValue ?? []).compactMap(\.stringValue))
        let caseValue = draft.fields["case"]?.stringValue ?? draft.form["case"]?.stringValue ?? ""
        var html = notice.map { "<div class=\"notice\" role=\"status\">\(HTML.label($0.0, $0.1))</div>" } ?? ""
        if !envelopeErrors.isEmpty && errors.isEmpty {
            html += "<div class=\"summary\" role=\"alert\"><p>\(HTML.label("Mesazhi ka gabime; shihni fushat e shënuara.", "The message has errors; see the marked fields."))</p></div>"
        }
        if let sop = entry.sop { html += "<p class=\"muted\">\(HTML.escape(sop))</p>" }
        html += "<form method=\"post\" action=\"/compose/\(HTML.escape(HTML.query(form.type.rawValue)))\" novalidate>\(csrfField(session))"
        html += "<input type=\"hidden\" name=\"draft\" value=\"\(HTML.escape(draft.id))\">"
        html += "<button type=\"submit\" name=\"action\" value=\"check\" class=\"sr-only\" tabindex=\"-1\">\(HTML.label("Kontrollo", "Check"))</button>"
        html += "<fieldset><legend>\(HTML.label("Mesazhi", "Message"))</legend>"
        html += "<fieldset class=\"\(fieldClass("to")) choices\" id=\"to\"\(invalid("to"))><legend>\(HTML.label("Marrësit", "Recipients")) <span class=\"req\">*</span></legend>"
        html += "<span class=\"help\">\(HTML.label("Vetëm institucionet që lejon PSV për këtë formular; të detyrueshmit janë zgjedhur.", "Only the agencies the SOP allows for this form; the required ones are ticked."))</span>"
        for (i, agency) in recipients(entry, directory).enumerated() {
            let kind = HTML.label(agency.kind.words.sq, agency.kind.words.en)
            html += "<label for=\"to#\(i)\"><input type=\"checkbox\" id=\"to#\(i)\" name=\"to\" value=\"\(HTML.escape(agency.id.rawValue))\"\(chosen.contains(agency.id.rawValue) ? " checked" : "")> \(HTML.escape(agency.name)) <span class=\"muted\">(\(kind))</span> <small class=\"id\">\(HTML.escape(agency.id.rawValue))</small></label><br>"
        }
        html += error("to") + "</fieldset>"
        html += "<div class=\"\(fieldClass("case"))\"><label for=\"case\">\(HTML.label("Referenca e rastit", "Case reference")) <span class=\"req\">*</span></label>"
        html += "<span class=\"help\" id=\"h-case\">\(HTML.label("Pseudonimi i rastit, p.sh. AL-2026-000061; kurrë një emër.", "The case's pseudonymous reference, e.g. AL-2026-000061; never a name."))</span>"
        html += "<input type=\"text\" id=\"case\" name=\"case\" value=\"\(HTML.escape(caseValue))\" autocomplete=\"off\"\(invalid("case"))>\(error("case"))"
        html += errors["/case"].isEmpty ? "" : form.root.errorHTML(errors["/case"], id: "/case")
        html += "</div>"
        let subject = draft.fields["subject"]?.stringValue ?? ""
        html += "<div class=\"\(fieldClass("subject"))\"><label for=\"subject\">\(HTML.label("Për kë është", "Whom it is about")) <span class=\"req\">*</span></label>"
        html += "<span class=\"help\">\(HTML.label("Nëse mosha është e pasigurt dhe mund të jetë nën 18, zgjidhni fëmijë.", "If the age is uncertain and may be under 18, choose child."))</span>"
        html += "<select id=\"subject\" name=\"subject\"\(invalid("subject"))><option value=\"\">— zgjidhni / choose —</option>"
        for s in SubjectCategory.allCases {
            let w = catalogue.words.value(s.rawValue)
            html += "<option value=\"\(s.rawValue)\"\(s.rawValue == subject ? " selected" : "")>\(HTML.escape((w.sq.map { "\($0) / " } ?? "") + w.en))</option>"
        }
        html += "</select>\(error("subject"))</div>"
        let priority = draft.fields["priority"]?.stringValue ?? "normal"
        html += "<div class=\"field\"><label for=\"priority\">\(HTML.label("Përparësia", "Priority"))</label><select id=\"priority\" name=\"priority\">"
        for p in Priority.allCases {
            let w = catalogue.words.value(p.rawValue)
            html += "<option value=\"\(p.rawValue)\"\(p.rawValue == priority ? " selected" : "")>\(HTML.escape((w.sq.map { "\($0) / " } ?? "") + w.en))</option>"
        }
        html += "</select></div>"
        if entry.inReplyTo != nil {
            html += "<div class=\"\(fieldClass("in_reply_to"))\"><label for=\"in_reply_to\">\(HTML.label("Përgjigje për mesazhin", "In reply to message"))\(entry.inReplyTo?.required == true ? " <span class=\"req\">*</span>" : "")</label>"
            html += "<input type=\"text\" id=\"in_reply_to\" name=\"in_reply_to\" value=\"\(HTML.escape(draft.fields["in_reply_to"]?.stringValue ?? ""))\"\(invalid("in_reply_to"))>\(error("in_reply_to"))</div>"
        }
        if entry.rules.contains(.declarationsRequired) {
            let ticked = Set((draft.fields["participants"]?.arrayValue ?? []).compactMap(\.stringValue))
            html += "<fieldset class=\"field choices\"><legend>\(HTML.label("Të pranishmit në intervistë (secili me deklaratë A1)", "Present at the interview (each with an A1 declaration)"))</legend>"
            for (i, role) in DeclarantRole.allCases.enumerated() {
                let w = catalogue.words.value(role.rawValue)
                html += "<label for=\"participants#\(i)\"><input type=\"checkbox\" id=\"participants#\(i)\" name=\"participants\" value=\"\(role.rawValue)\"\(ticked.contains(role.rawValue) ? " checked" : "")> \(HTML.label(w.sq, w.en))</label> "
            }
            html += "</fieldset>"
        }
        html += "</fieldset>"
        html += "<fieldset><legend>\(form.titleHTML)</legend>"
        html += "<p class=\"help\">\(HTML.label("Fushat me * janë të detyrueshme. Të dhënat personale shënohen dhe udhëtojnë të enkriptuara: porta nuk i lexon.", "Fields marked * are required. Personal data is marked and travels encrypted: the gateway cannot read it."))</p>"
        var bodyErrors = errors
        bodyErrors.remove("/case")
        html += form.body.render(draft.form.isNull ? nil : draft.form, errors: bodyErrors) + "</fieldset>"
        html += "<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"send\" class=\"primary\">\(HTML.label("Dërgo", "Send"))</button>"
        html += "<button type=\"submit\" name=\"action\" value=\"check\">\(HTML.label("Kontrollo", "Check"))</button>"
        html += "<button type=\"submit\" name=\"action\" value=\"save\" formnovalidate>\(HTML.label("Ruaj draftin", "Save draft"))</button></div></form>"
        return page(status: status, (entry.titleSq, entry.title), current: "/compose", session: session, body: html)
    }
}
