import Foundation
import UraBasics
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraSchema

/// An agency's inbox at the gateway: fetching messages, checking each one — the sender's
/// signature with its key from the directory, the envelope, the body bound to this message and
/// decrypted with the agency's key, the form valid against its schema — and acknowledging it with a
/// signed delivered receipt once the caller holds it. A message that does not check out is not
/// acknowledged, so it is neither lost nor confirmed.
public enum InboxReader {
    /// One message of a fetch: opened, or refused with the reason (never acknowledged).
    public enum Item: Sendable {
        case opened(Opened)
        case refused(id: String, reason: String)
    }

    /// Fetches up to `limit` messages, waiting up to `wait` seconds for the first, and checks each.
    public static func fetch(_ connection: GatewayConnection, directory: Directory, catalogue: MessageCatalogue, key: AgreementPrivateKey,
                             wait: Int, limit: Int) async throws(ClientError) -> [Item] {
        let profile = connection.profile
        let reply = try await connection.request("GET", "/v1/inbox?wait=\(wait)&limit=\(limit)")
        var items: [Item] = []
        for item in reply.json?["messages"]?.arrayValue ?? [] {
            guard let message = item["message"], let claimedDigest = item["digest"]?.stringValue else { continue }
            let opened: Opened
            do {
                opened = try open(message.serialized(), directory: directory, catalogue: catalogue, key: key, me: profile.agency,
                                  skew: profile.clockSkew)
            } catch {
                items.append(.refused(id: item["id"]?.stringValue ?? "?", reason: "does not check out and was not acknowledged: \(error.message)"))
                continue
            }
            guard opened.digest == claimedDigest else {
                items.append(.refused(id: opened.envelope.id.rawValue, reason: "the gateway's digest differs from the message's; not acknowledged"))
                continue
            }
            items.append(.opened(opened))
        }
        return items
    }

    /// Acknowledges `opened` with a delivered receipt signed by the agency: call it only once the
    /// message is kept (written and synced), since the sender then learns it was delivered.
    public static func acknowledge(_ opened: Opened, _ connection: GatewayConnection, signingKey: SigningKey) async throws(ClientError) {
        let id = opened.envelope.id
        let receipt = try MessageComposer.deliveredReceipt(for: id, digest: opened.digest, by: connection.profile.agency, key: signingKey)
        do { _ = try await connection.request("POST", "/v1/inbox/\(id)/ack", body: receipt) } catch {
            throw ClientError("\(error.message)\nMessage \(id) was kept but not acknowledged; it comes back after its lease (and is kept again, unchanged)", error.kind)
        }
    }

    /// A message that checked out: its envelope, the decrypted form, the digest a delivered
    /// receipt names, and the record kept for it (the metadata with the form and digest).
    public struct Opened: Sendable {
        public let envelope: Envelope
        public let form: JSONValue
        public let digest: String
        /// The message exactly as the gateway delivered it (the sender's JWS): what `ura verify` checks.
        public let original: [UInt8]
        /// The metadata a summary or `--json` shows: the record without the form.
        public var metadata: JSONValue {
            guard case .object(var object) = record else { return record }
            object["form"] = nil
            return .object(object)
        }
        public var record: JSONValue {
            var metadata = (try? JSONValue(parsing: JSONValueDecoder.reencode(MessageMetadata(envelope)))) ?? .null
            if case .object(var object) = metadata {
                object["form"] = form
                object["digest"] = .string(digest)
                metadata = .object(object)
            }
            return metadata
        }
    }

    /// Verifies, decrypts and checks one message addressed to `me`.
    public static func open(_ bytes: [UInt8], directory: Directory, catalogue: MessageCatalogue, key: AgreementPrivateKey,
                     me: AgencyID, skew: TimeInterval = SigningTime.skew) throws(ClientError) -> Opened {
        let (jws, envelope) = try MessageCheck.verify(bytes, directory: directory, skew: skew)
        guard envelope.to.contains(me) else { throw ClientError("the message is not addressed to \(me)", .verificationFailed) }
        let plaintext: [UInt8]
        do { plaintext = try MessageSealing.open(envelope, with: key) } catch {
            switch error {
            case .notForThisKey: throw ClientError("the body cannot be decrypted with this agency's key", .verificationFailed)
            case .boundToAnotherMessage: throw ClientError("the body was encrypted for another message", .verificationFailed)
            }
        }
        let form: JSONValue
        do { form = try JSONValue(parsing: plaintext) } catch { throw ClientError("the form is not JSON", .verificationFailed) }
        // The body is bound to its message (ura_msg) and, through the form's own case, to the
        // case the envelope names: a body replayed into another case does not open.
        if let formCase = form["case"]?.stringValue, formCase != envelope.caseReference.rawValue {
            throw ClientError("the form is about case \(formCase), but the message is filed under case \(envelope.caseReference)", .verificationFailed)
        }
        if let validator = catalogue.bodyValidator(for: envelope.type) {
            let errors = validator.validate(form)
            guard errors.isEmpty else {
                throw ClientError("the form does not match the \(envelope.type) schema: " + errors.prefix(3).map(\.description).joined(separator: "; "), .verificationFailed)
            }
        }
        return Opened(envelope: envelope, form: form, digest: Base64URL.encode(SHA256.hash(jws.signingInput())), original: bytes)
    }
}
