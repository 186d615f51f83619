import Foundation
import UraModel
import UraProtocol

/// The SOP's routing rules, read from the catalogue and enforced at intake. Each rejection names the
/// rule it applies and what would satisfy it.
public struct RoutingPolicy: Sendable {
    public let catalogue: Catalogue

    public init(catalogue: Catalogue) { self.catalogue = catalogue }

    /// What the policy needs to know beyond the envelope, looked up by intake only when the
    /// catalogue entry asks for it.
    public struct Facts: Sendable {
        /// The message `in_reply_to` names, with its sender and recipients; nil when unknown.
        public var replyTarget: MessageMetadata?
        /// Roles with a confidentiality declaration on file for this case from the sender.
        public var declaredRoles: Set<DeclarantRole>
        public init(replyTarget: MessageMetadata? = nil, declaredRoles: Set<DeclarantRole> = []) {
            self.replyTarget = replyTarget
            self.declaredRoles = declaredRoles
        }
    }

    /// The catalogue entry for `type`, or the error that it is unknown.
    public func entry(for type: MessageType) throws(GatewayError) -> CatalogueEntry {
        guard let entry = catalogue[type] else {
            throw GatewayError(.unknownMessageType, "\(type) is not a message type of catalogue \(catalogue.version); see Schemas/catalogue.json for the types the SOP defines")
        }
        return entry
    }

    /// Checks who may send this type to whom, the required recipients, `in_reply_to` and the
    /// declarations rule.
    public func check(_ m: MessageMetadata, sender: Agency, recipients: [Agency], facts: Facts) throws(GatewayError) {
        let entry = try entry(for: m.type)
        guard entry.from.contains(sender.kind) else {
            throw GatewayError(.routeNotAllowed, "\(sender.id) is a \(sender.kind.rawValue) mailbox and may not send \(m.type); the catalogue lets \(list(entry.from)) send it")
        }
        for recipient in recipients where !entry.to.contains(recipient.kind) {
            throw GatewayError(.routeNotAllowed, "\(m.type) may not go to \(recipient.id), a \(recipient.kind.rawValue) mailbox; the catalogue sends it to \(list(entry.to))")
        }
        let present = Set(recipients.map(\.kind))
        let missing = entry.routing.required(for: m.subject).filter { !present.contains($0) }
        if !missing.isEmpty {
            let whose = m.subject == .adult ? "an adult's" : (m.subject == .child ? "a child's" : "a message about a person of unknown age (treated as a child)")
            var detail = "\(whose) \(m.type) must also be addressed to \(list(missing.map(\.rawValue), conjunction: "and"))"
            if entry.routing.mustInclude.contains(where: missing.contains) {
                detail += "; it goes through the Responsible Authority, whose secretariat must be a recipient"
            }
            if entry.routing.childMustInclude.contains(where: missing.contains) && m.subject.treatedAsChild {
                detail += "; the SOP routes a child's case to child protection"
            }
            if let sop = entry.sop { detail += " (SOP: \(sop))" }
            throw GatewayError(.routingRuleViolated, detail, extensions: ["missing_kinds": .array(missing.map { .string($0.rawValue) })])
        }
        try checkReply(m, entry: entry, sender: sender, target: facts.replyTarget)
        if entry.rules.contains(.declarationsRequired) {
            try checkDeclarations(m, sender: sender, declared: facts.declaredRoles)
        }
    }

    private func checkReply(_ m: MessageMetadata, entry: CatalogueEntry, sender: Agency, target: MessageMetadata?) throws(GatewayError) {
        let expected = entry.inReplyTo?.types ?? []
        guard let replyTo = m.inReplyTo else {
            if entry.inReplyTo?.required == true {
                throw GatewayError(.replyMismatch, "\(m.type) answers a \(list(expected)): set in_reply_to to the id of that message in case \(m.caseReference)")
            }
            return
        }
        guard let target, target.id == replyTo, target.from == sender.id || target.to.contains(sender.id) else {
            throw GatewayError(.replyMismatch, "in_reply_to names \(replyTo), which is not a message \(sender.id) sent or received")
        }
        guard target.caseReference == m.caseReference else {
            throw GatewayError(.replyMismatch, "in_reply_to names \(replyTo) of case \(target.caseReference), but this message is about case \(m.caseReference)")
        }
        if !expected.isEmpty && !expected.contains(target.type) {
            throw GatewayError(.replyMismatch, "\(m.type) answers a \(list(expected)), but \(replyTo) is a \(target.type)")
        }
    }

    private func checkDeclarations(_ m: MessageMetadata, sender: Agency, declared: Set<DeclarantRole>) throws(GatewayError) {
        guard let participants = m.participants, !participants.isEmpty else {
            throw GatewayError(.declarationsMissing, "\(m.type) is an interview record: list the roles of everyone present at the interview in the envelope's participants field (each needs a confidentiality declaration, form A1)")
        }
        let missing = Set(participants).subtracting(declared).sorted()
        if !missing.isEmpty {
            throw GatewayError(.declarationsMissing,
                          "no confidentiality declaration (form A1) from \(sender.id) is on file for case \(m.caseReference) for: \(missing.map(\.rawValue).joined(separator: ", ")); record them with `ura declare` (POST /v1/declarations) before sending the interview record",
                          extensions: ["missing_roles": .array(missing.map { .string($0.rawValue) })])
        }
    }

    private func list(_ kinds: [AgencyKind]) -> String { list(kinds.map(\.rawValue)) }
    private func list(_ types: [MessageType]) -> String { list(types.map(\.rawValue)) }
    private func list(_ words: [String], conjunction: String = "or") -> String {
        switch words.count {
        case 0: "nobody"
        case 1: words[0]
        default: words.dropLast().joined(separator: ", ") + " \(conjunction) " + words.last!
        }
    }
}
