import UraJSON

/// A JWS as received, not yet trusted: its payload and each signature with its headers.
public struct ParsedJWS: Sendable {
    public enum Serialization: Sendable { case compact, flattened, general }

    /// One signature and the headers that go with it.
    public struct Signature: Sendable {
        public let protectedB64: String
        public let signatureB64: String
        public let protectedHeader: JSONObject
        public let unprotectedHeader: JSONObject
        let signature: [UInt8]

        init(protectedB64: String, signatureB64: String, unprotected: JSONObject) throws(CryptoError) {
            var protected = JSONObject()
            if !protectedB64.isEmpty {
                let header: JSONValue
                do { header = try JSONValue(parsing: try Base64URL.decode(protectedB64)) } catch {
                    throw CryptoError.invalidInput("the protected header is not valid base64url JSON")
                }
                guard case .object(let object) = header else { throw CryptoError.invalidInput("the protected header is not a JSON object") }
                protected = object
            }
            for name in unprotected.keys where protected[name] != nil {
                throw CryptoError.invalidInput("the header parameter \(name) is both protected and unprotected")
            }
            self.protectedB64 = protectedB64
            self.signatureB64 = signatureB64
            self.protectedHeader = protected
            self.unprotectedHeader = unprotected
            self.signature = try Base64URL.decode(signatureB64)
        }

        /// A header parameter, protected or not.
        public subscript(parameter: String) -> JSONValue? { protectedHeader[parameter] ?? unprotectedHeader[parameter] }

        /// The `alg`, `kid` and `typ`, protected or not (Ura's intake requires them protected).
        public var algorithm: String? { self["alg"]?.stringValue }
        public var keyID: String? { self["kid"]?.stringValue }
        public var type: String? { self["typ"]?.stringValue }
    }

    public let payloadB64: String
    public let payload: [UInt8]
    public let signatures: [Signature]
    public let serialization: Serialization

    init(payloadB64: String, signatures: [Signature], serialization: Serialization) throws(CryptoError) {
        self.payloadB64 = payloadB64
        self.payload = try Base64URL.decode(payloadB64)
        self.signatures = signatures
        self.serialization = serialization
    }

    /// The first (for compact and flattened: the only) signature.
    public var signature: Signature { signatures[0] }

    /// `protected || "." || payload` for signature `index`.
    public func signingInput(_ index: Int = 0) -> [UInt8] {
        var bytes = Array(signatures[index].protectedB64.utf8)
        bytes.append(UInt8(ascii: "."))
        bytes.append(contentsOf: payloadB64.utf8)
        return bytes
    }

    /// Verifies signature `index` with `key`: the protected `alg` must be the key's algorithm
    /// (never `none`, never another curve's), every `crit` parameter must be one of `understood`,
    /// and the signature must verify. Returns the signing input it verified (a third larger than
    /// the payload), so a caller that digests the message need not build it again.
    @discardableResult
    public func verify(using key: VerificationKey, signature index: Int = 0, understood: Set<String> = []) throws(CryptoError) -> [UInt8] {
        let s = signatures[index]
        guard let alg = s.algorithm else { throw CryptoError.invalidInput("the JWS header has no alg") }
        guard alg != "none" else { throw CryptoError.unsupportedAlgorithm("alg none is never accepted") }
        guard let algorithm = SignatureAlgorithm(rawValue: alg) else {
            throw CryptoError.unsupportedAlgorithm("\(alg); Ura accepts EdDSA, ES256, ES384 and ES512")
        }
        guard algorithm == key.algorithm else {
            throw CryptoError.invalidKey("the header says \(alg) but the key is a \(key.algorithm.curve.rawValue) key for \(key.algorithm.rawValue)")
        }
        if let crit = s.protectedHeader["crit"] {
            guard let names = crit.arrayValue?.compactMap(\.stringValue), !names.isEmpty, names.count == crit.arrayValue?.count else {
                throw CryptoError.invalidInput("crit must be a non-empty array of header parameter names")
            }
            for name in names {
                guard s.protectedHeader[name] != nil else { throw CryptoError.invalidInput("crit names \(name), which the protected header lacks") }
                guard understood.contains(name) else { throw CryptoError.unsupportedAlgorithm("critical header parameter \(name) is not understood") }
            }
        }
        if let b64 = s["b64"], b64 != .bool(true) {
            throw CryptoError.unsupportedAlgorithm("unencoded payloads (b64: false, RFC 7797) are not accepted")
        }
        let input = signingInput(index)
        guard key.isValidSignature(s.signature, for: input) else { throw CryptoError.invalidSignature }
        return input
    }
}
