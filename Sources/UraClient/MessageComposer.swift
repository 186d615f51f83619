import Foundation
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraSchema

/// Turns a form into a message ready to submit: checks the form against its schema, encrypts it to
/// a current key of every recipient (bound to the message id), puts it in an envelope and signs
/// the envelope with the agency's key.
public struct MessageComposer: Sendable {
    public let agency: AgencyID
    let signingKey: SigningKey
    let directory: Directory
    let catalogue: MessageCatalogue

    public init(agency: AgencyID, signingKey: SigningKey, directory: Directory, catalogue: MessageCatalogue) {
        self.agency = agency
        self.signingKey = signingKey
        self.directory = directory
        self.catalogue = catalogue
    }

    public struct Draft: Sendable {
        public var type: MessageType
        public var to: [AgencyID]
        public var caseReference: CaseReference
        public var subject: SubjectCategory
        public var priority: Priority = .normal
        public var inReplyTo: MessageID?
        public var participants: [DeclarantRole]?
        public var county: County?
        public var lifetime: Duration = .seconds(30 * 86_400)
        public var form: JSONValue

        public init(type: MessageType, to: [AgencyID], caseReference: CaseReference, subject: SubjectCategory, form: JSONValue) {
            self.type = type
            self.to = to
            self.caseReference = caseReference
            self.subject = subject
            self.form = form
        }
    }

    public func compose(_ draft: Draft, id: MessageID = .random(), now: Date = Date()) throws(ClientError) -> [UInt8] {
        guard let validator = catalogue.bodyValidator(for: draft.type) else {
            throw Discovery.unknownType(draft.type.rawValue, in: catalogue)
        }
        let errors = validator.validate(draft.form)
        guard errors.isEmpty else {
            throw ClientError("the form does not match the \(draft.type) schema:\n" + errors.prefix(10).map { "  \($0)" }.joined(separator: "\n"), .dataError)
        }
        if let formCase = draft.form["case"]?.stringValue, formCase != draft.caseReference.rawValue {
            throw ClientError("the form is about case \(formCase) but the message is for case \(draft.caseReference)", .dataError)
        }
        var keys: [AgreementPublicKey] = []
        for recipient in draft.to {
            guard let entry = directory[recipient] else {
                throw ClientError("\(recipient) is not in the directory (version \(directory.version))", .usage)
            }
            let current = entry.keys(for: .enc, validAt: now).compactMap { try? AgreementPublicKey(jwk: $0.jwk) }
            guard !current.isEmpty else {
                throw ClientError("\(recipient) has no current encryption key in the directory (version \(directory.version)); nothing was sent or kept", .temporaryFailure)
            }
            keys += current
        }
        do {
            return try MessageSealing.seal(draft.form.serialized(), id: id, to: keys, signingKey: signingKey) { body in
                try Envelope(id: id, type: draft.type, from: agency, to: draft.to, caseReference: draft.caseReference,
                             subject: draft.subject, priority: draft.priority, created: now,
                             expires: now.addingTimeInterval(draft.lifetime.seconds), inReplyTo: draft.inReplyTo,
                             participants: draft.participants, county: draft.county, body: body)
            }.jws.serialized()
        } catch let error as ModelError {
            throw ClientError(error.description, .usage)
        } catch {
            throw ClientError("cannot seal the message: \(error)", .software)
        }
    }

    /// The agency's signed delivered receipt for a message (its digest is over the signing input).
    public static func deliveredReceipt(for message: MessageID, digest: String, by agency: AgencyID, key: SigningKey, at: Date = Date()) throws(ClientError) -> [UInt8] {
        do {
            return try Receipt(kind: .delivered, message: message, digest: digest, recipient: agency, at: at, by: agency).signed(with: key).serialized()
        } catch {
            throw ClientError("cannot sign the receipt: \(error)", .software)
        }
    }
}
