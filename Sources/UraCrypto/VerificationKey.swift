import UraJSON

/// A public signing key: verifies JWS signatures. Imported once (from a JWK or PEM) and then used
/// from any number of threads.
public struct VerificationKey: Sendable {
    let key: PKey
    public let algorithm: SignatureAlgorithm
    /// The RFC 7638 thumbprint, used as the key's `kid`.
    public let thumbprint: String

    init(key: PKey, curve: KeyCurve) throws(CryptoError) {
        self.key = key
        self.algorithm = try SignatureAlgorithm(curve: curve)
        self.thumbprint = JWK.thumbprint(of: .object(try AsymmetricKey.jwk(key, curve: curve, includingPrivate: false)))
    }

    /// Imports a public (or private: only its public half is kept) JWK of an Ed25519 or NIST key.
    public init(jwk: JSONValue) throws(CryptoError) {
        let imported = try AsymmetricKey.importJWK(jwk, requirePrivate: false)
        guard imported.curve.canSign else { throw CryptoError.invalidKey("\(imported.curve.rawValue) keys do not sign") }
        let key = imported.isPrivate ? try AsymmetricKey.publicOnly(imported.key, curve: imported.curve) : imported.key
        try self.init(key: key, curve: imported.curve)
    }

    /// Imports a SubjectPublicKeyInfo PEM.
    public init(pem: String) throws(CryptoError) {
        let key = try AsymmetricKey.readPEM(pem, privateKey: false)
        try self.init(key: key, curve: try AsymmetricKey.curve(of: key))
    }

    /// The public JWK, with `kid`, `use` and `alg`.
    public var jwk: JSONValue {
        var object = (try? AsymmetricKey.jwk(key, curve: algorithm.curve, includingPrivate: false)) ?? JSONObject()
        object["kid"] = .string(thumbprint)
        object["use"] = "sig"
        object["alg"] = .string(algorithm.rawValue)
        return .object(object)
    }

    public func spkiPEM() throws(CryptoError) -> String { try AsymmetricKey.publicPEM(key) }

    /// True when `signature` (raw: 64 bytes for EdDSA, R‖S for ES*) signs `data` with this key.
    public func isValidSignature(_ signature: [UInt8], for data: some Collection<UInt8>) -> Bool {
        Signatures.verify(signature, data: data, key: key, algorithm: algorithm)
    }
}
