import Foundation
import UraClient
import UraHTTPCore
import UraJSON
import UraModel

/// Form A1, the confidentiality declaration, as a form: the declarant's name is sealed for the
/// secretariat (the gateway cannot read it) and the declaration recorded for the case, as
/// `ura declare` does; the form itself is what the declaration's digest covers.
extension Desk {
    static let declarationType = "identification.confidentiality-declaration"

    func declarationPage(_ session: DeskAccess.Session, form posted: PostedForm?, errors: FieldErrors = FieldErrors(),
                         notice: (String, String)? = nil, status: Int = 200) async throws(DeskError) -> HTTPResponse {
        let type = MessageType(unchecked: Self.declarationType)
        let form = try form(type)
        var html = notice.map { "<div class=\"notice\" role=\"status\">\(HTML.label($0.0, $0.1))</div>" } ?? ""
        html += "<p>\(HTML.label("Çdo intervistues dhe çdo person i tretë i pranishëm nënshkruan këtë deklaratë para intervistës. Emri udhëton i enkriptuar vetëm për sekretariatin.", "Every interviewer and third person present signs this declaration before the interview. The name travels encrypted for the secretariat only."))</p>"
        html += "<form method=\"post\" action=\"/declaration\" enctype=\"multipart/form-data\" novalidate>\(csrfField(session))"
        html += "<button type=\"submit\" name=\"action\" value=\"check\" class=\"sr-only\" tabindex=\"-1\">\(HTML.label("Kontrollo", "Check"))</button>"
        html += "<fieldset><legend>\(form.titleHTML)</legend>\(form.root.render(posted.map { form.root.decode($0, keepRows: true) }, errors: errors))</fieldset>"
        html += "<fieldset><legend>\(HTML.label("Skanimi i deklaratës së nënshkruar", "Scan of the signed declaration"))</legend><div class=\"field\">"
        html += "<label for=\"scan\">\(HTML.label("Skedari (PDF ose imazh)", "File (PDF or image)"))</label>"
        html += "<span class=\"help\" id=\"h-scan\">\(HTML.label("Gjurma e tij (SHA-256) regjistrohet me deklaratën; pa skanim, gjurma e formularit. Bashkëngjiteni në fund: shtimi i rreshtave e heq.", "Its digest (SHA-256) is recorded with the declaration; without a scan, the form's. Attach it last: adding rows drops it."))</span>"
        html += "<input type=\"file\" id=\"scan\" name=\"scan\" accept=\"application/pdf,image/*\" aria-describedby=\"h-scan\"></div></fieldset>"
        html += "<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"send\" class=\"primary\">\(HTML.label("Regjistro deklaratën", "Record the declaration"))</button></div></form>"
        return page(status: status, ("Deklarata e konfidencialitetit (A1)", "Confidentiality declaration (A1)"), current: "/declaration", session: session, body: html)
    }

    func declarationPost(_ posted: PostedForm, _ session: DeskAccess.Session) async throws(DeskError) -> HTTPResponse {
        let form = try form(MessageType(unchecked: Self.declarationType))
        let action = posted["action"] ?? "send"
        if action.hasPrefix("add:") || action.hasPrefix("remove:") {
            let value = MessageForm.apply(action, to: form.root.decode(posted, keepRows: true))
            return try await declarationPage(session, form: form.root.encode(value))
        }
        let value = form.root.decode(posted)
        let errors = form.check(value)
        guard errors.isEmpty, action == "send", let caseReference = value["case"]?.stringValue.flatMap({ try? CaseReference($0) }),
              let name = value["declarant"]?["name"]?.stringValue, let role = value["declarant"]?["role"]?.stringValue.flatMap(DeclarantRole.init(rawValue:)),
              let declaredAt = value["declared_at"]?.stringValue.flatMap(RFC3339.date(from:)) else {
            return try await declarationPage(session, form: posted, errors: errors, status: errors.isEmpty ? 200 : 422)
        }
        let recorded: CaseClient.Recorded
        do {
            recorded = try await CaseClient.declare(connection, id: MessageID.random().rawValue, caseReference: caseReference, role: role,
                                                    declaredOn: LocalTime.dateString(from: declaredAt), form: posted.files["scan"]?.bytes ?? value.serialized(),
                                                    name: name, now: clock.now)
        } catch {
            throw DeskError("The declaration was not recorded: \(error.message)", .failed)
        }
        let scan = posted.files["scan"].map { " (\($0.filename), \($0.bytes.count) B)" } ?? ""
        let notice = recorded.alreadyOnFile ? ("Kjo deklaratë ishte regjistruar më parë.", "This declaration was already on file.")
                                            : ("Deklarata u regjistrua për rastin \(caseReference)\(scan).", "The declaration is recorded for case \(caseReference)\(scan).")
        return try await declarationPage(session, form: nil, notice: notice)
    }
}
