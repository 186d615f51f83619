import UraJSON

/// Every reason a JWE cannot be decrypted, as one error: which check failed (no recipient for the
/// key, bad point, bad wrap, bad tag) is never told, so the answer leaks nothing.
public struct DecryptionError: Error, Sendable, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "the message cannot be decrypted with this key" }
}

/// A JWE as received.
public struct ParsedJWE: Sendable {
    public struct Recipient: Sendable {
        public let header: JSONObject
        public let encryptedKey: [UInt8]
    }

    public let protectedB64: String
    public let protectedHeader: JSONObject
    public let unprotectedHeader: JSONObject
    public let recipients: [Recipient]
    public let aadB64: String?
    public let iv: [UInt8]
    public let ciphertext: [UInt8]
    public let tag: [UInt8]

    init(_ bytes: [UInt8]) throws(CryptoError) {
        if bytes.first == UInt8(ascii: "{") {
            let json: JSONValue
            do { json = try JSONValue(parsing: bytes) } catch { throw CryptoError.invalidInput("the JWE is not valid JSON: \(error)") }
            try self.init(json: json)
            return
        }
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard parts.count == 5 else { throw CryptoError.invalidInput("a compact JWE has five dot-separated parts, this has \(parts.count)") }
        try self.init(protectedB64: parts[0], unprotected: [:], recipients: [Recipient(header: [:], encryptedKey: try Base64URL.decode(parts[1]))],
                      aad: nil, iv: parts[2], ciphertext: parts[3], tag: parts[4])
    }

    init(json: JSONValue) throws(CryptoError) {
        guard case .object(let object) = json else { throw CryptoError.invalidInput("a JWE is a JSON object") }
        func string(_ name: String, in o: JSONObject = object, required: Bool = true) throws(CryptoError) -> String? {
            guard let value = o[name] else {
                if required { throw CryptoError.invalidInput("the JWE has no \(name)") }
                return nil
            }
            guard let text = value.stringValue else { throw CryptoError.invalidInput("the JWE's \(name) is not a string") }
            return text
        }
        func header(_ value: JSONValue?) throws(CryptoError) -> JSONObject {
            guard let value else { return [:] }
            guard case .object(let o) = value else { throw CryptoError.invalidInput("a JWE header is not an object") }
            return o
        }
        var recipients: [Recipient] = []
        if let list = object["recipients"] {
            guard let entries = list.arrayValue, !entries.isEmpty else { throw CryptoError.invalidInput("the JWE's recipients is not a non-empty array") }
            for entry in entries {
                guard case .object(let r) = entry else { throw CryptoError.invalidInput("a JWE recipient is not an object") }
                recipients.append(Recipient(header: try header(r["header"]),
                                            encryptedKey: try Base64URL.decode(try string("encrypted_key", in: r, required: false) ?? "")))
            }
        } else {
            recipients.append(Recipient(header: try header(object["header"]),
                                        encryptedKey: try Base64URL.decode(try string("encrypted_key", required: false) ?? "")))
        }
        try self.init(protectedB64: try string("protected", required: false) ?? "", unprotected: try header(object["unprotected"]),
                      recipients: recipients, aad: try string("aad", required: false), iv: try string("iv")!,
                      ciphertext: try string("ciphertext")!, tag: try string("tag")!)
    }

    private init(protectedB64: String, unprotected: JSONObject, recipients: [Recipient], aad: String?, iv: String, ciphertext: String,
                 tag: String) throws(CryptoError) {
        var protected = JSONObject()
        if !protectedB64.isEmpty {
            guard case .object(let o)? = try? JSONValue(parsing: try Base64URL.decode(protectedB64)) else {
                throw CryptoError.invalidInput("the JWE's protected header is not a JSON object")
            }
            protected = o
        }
        for recipient in recipients {
            for name in recipient.header.keys + unprotected.keys where protected[name] != nil {
                throw CryptoError.invalidInput("the JWE header parameter \(name) appears in more than one header")
            }
            for name in recipient.header.keys where unprotected[name] != nil {
                throw CryptoError.invalidInput("the JWE header parameter \(name) appears in more than one header")
            }
        }
        self.protectedB64 = protectedB64
        self.protectedHeader = protected
        self.unprotectedHeader = unprotected
        self.recipients = recipients
        self.aadB64 = aad
        self.iv = try Base64URL.decode(iv)
        self.ciphertext = try Base64URL.decode(ciphertext)
        self.tag = try Base64URL.decode(tag)
        if let aad { _ = try Base64URL.decode(aad) }
    }

    /// The `kid`s of the recipients that name one.
    public var recipientKeyIDs: [String] {
        recipients.compactMap { $0.header["kid"]?.stringValue ?? unprotectedHeader["kid"]?.stringValue ?? protectedHeader["kid"]?.stringValue }
    }

    /// Decrypts with `key`: tries the recipient whose `kid` is the key's thumbprint, else each one.
    public func decrypt(with key: AgreementPrivateKey) throws(DecryptionError) -> (plaintext: [UInt8], protectedHeader: JSONObject) {
        let ordered = recipients.sorted { a, _ in a.header["kid"]?.stringValue == key.keyID }
        for recipient in ordered {
            if let plaintext = try? open(recipient, with: key) { return (plaintext, protectedHeader) }
        }
        throw DecryptionError()
    }

    private func open(_ recipient: Recipient, with key: AgreementPrivateKey) throws -> [UInt8] {
        let cek = try contentKey(recipient, with: key)
        guard let plaintext = KeyAgreement.openGCM(ciphertext, key: cek, iv: iv, aad: JWE.authenticatedData(protected: protectedB64, aad: aadB64), tag: tag)
        else { throw DecryptionError() }
        return plaintext
    }

    /// The content key a recipient entry carries for `key` (agreement, KDF and unwrap).
    func contentKey(_ recipient: Recipient, with key: AgreementPrivateKey) throws -> [UInt8] {
        func parameter(_ name: String) -> JSONValue? { recipient.header[name] ?? unprotectedHeader[name] ?? protectedHeader[name] }
        guard let alg = parameter("alg")?.stringValue.flatMap(KeyManagementAlgorithm.init(rawValue:)),
              let encName = parameter("enc")?.stringValue, let epkJSON = parameter("epk"), parameter("zip") == nil
        else { throw DecryptionError() }
        if let crit = protectedHeader["crit"], crit != .array([]) { throw DecryptionError() }
        let epk = try AgreementPublicKey(jwk: epkJSON)
        guard epk.curve == key.curve else { throw DecryptionError() }
        let secret = try KeyAgreement.sharedSecret(key.key, epk.key)
        let apu = try Base64URL.decode(parameter("apu")?.stringValue ?? "")
        let apv = try Base64URL.decode(parameter("apv")?.stringValue ?? "")
        if let wrapLength = alg.wrapKeyLength {
            let kek = try KeyAgreement.concatKDF(secret: secret, algorithmID: alg.rawValue, apu: apu, apv: apv, keyLength: wrapLength)
            guard let unwrapped = KeyAgreement.unwrap(recipient.encryptedKey, kek: kek) else { throw DecryptionError() }
            if let enc = ContentEncryptionAlgorithm(rawValue: encName), unwrapped.count != enc.keyLength { throw DecryptionError() }
            return unwrapped
        }
        guard recipient.encryptedKey.isEmpty, let enc = ContentEncryptionAlgorithm(rawValue: encName) else { throw DecryptionError() }
        return try KeyAgreement.concatKDF(secret: secret, algorithmID: enc.rawValue, apu: apu, apv: apv, keyLength: enc.keyLength)
    }
}
