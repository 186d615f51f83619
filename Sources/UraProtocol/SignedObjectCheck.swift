import UraCrypto
import UraJSON
import UraModel

/// The one check behind everything Ura signs — messages, receipts, declarations, directories and
/// tree heads: the JWS names its key (`kid`), a key source finds that key for the signer the
/// object must have, and the signature verifies with it. Key sources differ (the gateway's current
/// directory, a directory an agency checked, the gateway keys a profile pins: see
/// `Directory+SigningKeys.swift`); the steps, their order and what counts as failure do not.
/// Callers word a `Failure` for their user: a problem type at the gateway, an exit code in `ura`.
public enum SignedObjectCheck {
    /// What did not check out.
    public enum Failure: Error, Sendable, Equatable, CustomStringConvertible {
        /// The JWS names no signing key.
        case noKeyID
        /// The key source has no usable key `kid` for the signer; `reason` completes a sentence
        /// that starts with what was signed ("… is signed with key K, which …").
        case unknownKey(kid: String, reason: String)
        /// The payload is not what the object must carry.
        case payload(String)
        /// The signature does not verify with the signer's key `kid`.
        case invalidSignature(kid: String)
        /// The JWS uses an algorithm or a critical header this profile does not accept.
        case unsupported(String)

        public var description: String {
            switch self {
            case .noKeyID: "it names no signing key (kid)"
            case .unknownKey(_, let reason): reason
            case .payload(let reason): "its payload is not valid: \(reason)"
            case .invalidSignature(let kid): "its signature does not verify with key \(kid)"
            case .unsupported(let reason): reason
            }
        }
    }

    /// An object whose signature checked out, with the key that made it.
    public struct Checked<Payload: Sendable>: Sendable {
        public let jws: ParsedJWS
        public let payload: Payload
        public let kid: String
        public let key: VerificationKey

        /// base64url SHA-256 of the JWS signing input: the digest receipts name.
        public var digest: String { Base64URL.encode(SHA256.hash(jws.signingInput())) }
    }

    /// Checks `jws`: its `kid`, then its payload (`decode`, before the key is looked up, because
    /// the signer may be named in it: a receipt's `by`, an envelope's `from`), then the key that
    /// `key(kid, payload)` gives, then the signature.
    public static func verify<Payload: Sendable>(_ jws: ParsedJWS, payload decode: ([UInt8]) throws -> Payload,
                                                 key: (_ kid: String, _ payload: Payload) throws(Failure) -> VerificationKey) throws(Failure) -> Checked<Payload> {
        guard let kid = jws.signature.keyID else { throw .noKeyID }
        let payload: Payload
        do { payload = try decode(jws.payload) } catch { throw .payload(ModelError.describe(error)) }
        let verificationKey = try key(kid, payload)
        do { try jws.verify(using: verificationKey) } catch {
            throw error == .invalidSignature ? .invalidSignature(kid: kid) : .unsupported("\(error)")
        }
        return Checked(jws: jws, payload: payload, kid: kid, key: verificationKey)
    }

    /// Checks `jws` against a key that does not depend on its payload; the payload stays bytes.
    public static func verify(_ jws: ParsedJWS, key: (_ kid: String) throws(Failure) -> VerificationKey) throws(Failure) -> Checked<[UInt8]> {
        try verify(jws, payload: { $0 }, key: { (kid: String, _: [UInt8]) throws(Failure) -> VerificationKey in try key(kid) })
    }

    /// Decodes a payload of JSON into a model (an `Envelope`, a `Receipt`, a `Directory`).
    public static func json<Model: Decodable>(_ type: Model.Type) -> ([UInt8]) throws -> Model {
        { try JSONValueDecoder().decode(Model.self, from: try JSONValue(parsing: $0)) }
    }
}
