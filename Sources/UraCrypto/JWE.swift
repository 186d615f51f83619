import UraJSON

/// JSON Web Encryption (RFC 7516) to one or more key-agreement keys.
///
/// Ura encrypts each form once, to every recipient: a random content key encrypts the body with
/// AES-GCM, and each recipient's entry wraps that key under a key agreed with a fresh ephemeral key
/// (`ECDH-ES+A256KW`). The shared protected header (with `enc` and the caller's members, such as
/// the message id) is authenticated as additional data, so no part of it can be changed or moved
/// to another message.
public enum JWE {
    /// Encrypts `plaintext` to every key in `recipients` (general JSON serialization).
    public static func encrypt(_ plaintext: [UInt8], to recipients: [AgreementPublicKey], protectedHeader extra: JSONObject = [:],
                               aad: [UInt8]? = nil, algorithm: KeyManagementAlgorithm = .ecdhESA256KW,
                               encryption: ContentEncryptionAlgorithm = .a256gcm) throws(CryptoError) -> GeneralJWE {
        guard !recipients.isEmpty else { throw CryptoError.invalidInput("a JWE needs at least one recipient") }
        var header: JSONObject = ["enc": .string(encryption.rawValue)]
        for (name, value) in extra where name != "enc" { header[name] = value }
        var entries: [GeneralJWE.Recipient] = []
        let cek: [UInt8]
        if let wrapLength = algorithm.wrapKeyLength {
            cek = SecureRandom.bytes(encryption.keyLength)
            for recipient in recipients {
                let agreed = try agree(with: recipient, algorithmID: algorithm.rawValue, keyLength: wrapLength)
                let wrapped = try KeyAgreement.wrap(cek, kek: agreed.key)
                entries.append(GeneralJWE.Recipient(
                    header: ["alg": .string(algorithm.rawValue), "kid": .string(recipient.thumbprint), "epk": agreed.epk],
                    encryptedKey: Base64URL.encode(wrapped)))
            }
        } else {
            guard recipients.count == 1 else { throw CryptoError.invalidInput("direct ECDH-ES encrypts to exactly one recipient") }
            let agreed = try agree(with: recipients[0], algorithmID: encryption.rawValue, keyLength: encryption.keyLength)
            cek = agreed.key
            entries.append(GeneralJWE.Recipient(
                header: ["alg": .string(algorithm.rawValue), "kid": .string(recipients[0].thumbprint), "epk": agreed.epk], encryptedKey: ""))
        }
        let protected = Base64URL.encode(JSONValue.object(header).serialized())
        let aadB64 = aad.map { Base64URL.encode($0) }
        let iv = SecureRandom.bytes(12)
        let sealed = try KeyAgreement.sealGCM(plaintext, key: cek, iv: iv, aad: authenticatedData(protected: protected, aad: aadB64))
        return GeneralJWE(protected: protected, recipients: entries, aad: aadB64, iv: Base64URL.encode(iv),
                          ciphertext: Base64URL.encode(sealed.ciphertext), tag: Base64URL.encode(sealed.tag))
    }

    /// A key agreed with `recipient` from a fresh ephemeral key, and that key's public JWK.
    private static func agree(with recipient: AgreementPublicKey, algorithmID: String, keyLength: Int) throws(CryptoError) -> (key: [UInt8], epk: JSONValue) {
        let ephemeral = try AgreementPrivateKey.generate(recipient.curve)
        let secret = try KeyAgreement.sharedSecret(ephemeral.key, recipient.key)
        let key = try KeyAgreement.concatKDF(secret: secret, algorithmID: algorithmID, apu: [], apv: [], keyLength: keyLength)
        return (key, ephemeral.publicKey.bareJWK)
    }

    /// `ASCII(protected)` or `ASCII(protected || "." || aad)` (RFC 7516 §5.1 step 14).
    static func authenticatedData(protected: String, aad: String?) -> [UInt8] {
        Array(protected.utf8) + (aad.map { Array(".\($0)".utf8) } ?? [])
    }

    /// Parses the compact, flattened or general serialization.
    public static func parse(_ bytes: [UInt8]) throws(CryptoError) -> ParsedJWE { try ParsedJWE(bytes) }

    /// Parses an already parsed JSON serialization (the `body` member of an envelope).
    public static func parse(json: JSONValue) throws(CryptoError) -> ParsedJWE { try ParsedJWE(json: json) }

    /// The shared protected header and the recipients' `kid`s of a JWE in JSON serialization,
    /// without decoding its ciphertext — what a router needs to check a body's addressing.
    public static func headers(json: JSONValue) throws(CryptoError) -> (protectedHeader: JSONObject, recipientKeyIDs: [String]) {
        guard let protected = json["protected"]?.stringValue,
              case .object(let header)? = try? JSONValue(parsing: try Base64URL.decode(protected)) else {
            throw CryptoError.invalidInput("the JWE has no protected header object")
        }
        guard let recipients = json["recipients"]?.arrayValue, !recipients.isEmpty else {
            throw CryptoError.invalidInput("the JWE has no recipients")
        }
        return (header, recipients.compactMap { $0["header"]?["kid"]?.stringValue })
    }
}

/// A JWE in the general JSON serialization, as `JWE.encrypt` makes it.
public struct GeneralJWE: Sendable, Equatable {
    public struct Recipient: Sendable, Equatable {
        public let header: JSONObject
        public let encryptedKey: String
    }

    public let protected: String
    public let recipients: [Recipient]
    public let aad: String?
    public let iv: String
    public let ciphertext: String
    public let tag: String

    public var json: JSONValue {
        var object: JSONObject = ["protected": .string(protected)]
        object["recipients"] = .array(recipients.map { r in
            var entry: JSONObject = ["header": .object(r.header)]
            if !r.encryptedKey.isEmpty { entry["encrypted_key"] = .string(r.encryptedKey) }
            return .object(entry)
        })
        if let aad { object["aad"] = .string(aad) }
        object["iv"] = .string(iv)
        object["ciphertext"] = .string(ciphertext)
        object["tag"] = .string(tag)
        return .object(object)
    }

    public func serialized() -> [UInt8] { json.serialized() }
}
