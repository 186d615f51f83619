import UraCrypto
import UraJSON
import UraModel

/// How a message is sealed and opened, the same for an agency's forms and the gateway's own
/// notices (docs/api.md, "Wire format"): the form encrypted to every recipient key as a general
/// JWE (`ura_msg` = the message id in its protected header, so a body cannot be moved to another
/// message), the envelope carrying it signed as a flattened JWS (`typ: ura-message+json`).
public enum MessageSealing {
    /// What does not open.
    public enum OpeningFailure: Error, Sendable, Equatable {
        /// No recipient entry of the body opens with the key.
        case notForThisKey
        /// The body says it belongs to another message.
        case boundToAnotherMessage
    }

    /// Encrypts `form` to `keys`, builds the envelope around the encrypted body and signs it;
    /// returns the signed message and its envelope.
    public static func seal(_ form: [UInt8], id: MessageID, to keys: [AgreementPublicKey], signingKey: SigningKey,
                            envelope make: (_ body: JSONValue) throws -> Envelope) throws -> (jws: FlattenedJWS, envelope: Envelope) {
        let body = try JWE.encrypt(form, to: keys, protectedHeader: ["ura_msg": .string(id.rawValue)])
        let envelope = try make(body.json)
        let payload = try JSONValueDecoder.reencode(envelope)
        return (try JWS.sign(payload: payload, header: ["typ": "ura-message+json"], with: signingKey), envelope)
    }

    /// The form of `envelope`, decrypted with `key`, once the body is shown to belong to this message.
    public static func open(_ envelope: Envelope, with key: AgreementPrivateKey) throws(OpeningFailure) -> [UInt8] {
        let decrypted: (plaintext: [UInt8], protectedHeader: JSONObject)
        do { decrypted = try JWE.parse(json: envelope.body).decrypt(with: key) } catch { throw .notForThisKey }
        guard decrypted.protectedHeader["ura_msg"]?.stringValue == envelope.id.rawValue else { throw .boundToAnotherMessage }
        return decrypted.plaintext
    }
}

extension Receipt {
    /// The receipt as a flattened JWS (`typ: ura-receipt+json`), as the gateway signs accepted
    /// and failed receipts and a recipient its delivered one.
    public func signed(with key: SigningKey) throws(CryptoError) -> FlattenedJWS {
        try JWS.sign(payload: json.serialized(), header: ["typ": "ura-receipt+json"], with: key)
    }
}
