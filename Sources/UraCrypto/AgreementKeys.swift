import UraJSON

/// A private key-agreement key (X25519 or a NIST curve): decrypts JWEs addressed to it.
public struct AgreementPrivateKey: Sendable {
    let key: PKey
    public let publicKey: AgreementPublicKey
    public var curve: KeyCurve { publicKey.curve }
    public var keyID: String { publicKey.thumbprint }

    init(key: PKey, curve: KeyCurve) throws(CryptoError) {
        guard curve.canAgree else { throw CryptoError.invalidKey("\(curve.rawValue) keys do not agree keys") }
        self.key = key
        self.publicKey = try AgreementPublicKey(key: try AsymmetricKey.publicOnly(key, curve: curve), curve: curve)
    }

    public static func generate(_ curve: KeyCurve = .x25519) throws(CryptoError) -> AgreementPrivateKey {
        try AgreementPrivateKey(key: try AsymmetricKey.generate(curve), curve: curve)
    }

    public init(jwk: JSONValue) throws(CryptoError) {
        let imported = try AsymmetricKey.importJWK(jwk, requirePrivate: true)
        try self.init(key: imported.key, curve: imported.curve)
    }

    public init(pem: String) throws(CryptoError) {
        let key = try AsymmetricKey.readPEM(pem, privateKey: true)
        try self.init(key: key, curve: try AsymmetricKey.curve(of: key))
    }

    public init(contentsOfFile path: String) throws(CryptoError) { try self.init(pem: try PrivateKeyFile.read(path)) }

    public func jwk(includingPrivate: Bool) throws(CryptoError) -> JSONValue {
        guard includingPrivate else { return publicKey.jwk }
        var object = try AsymmetricKey.jwk(key, curve: curve, includingPrivate: true)
        object["kid"] = .string(keyID)
        object["use"] = "enc"
        object["alg"] = .string(KeyManagementAlgorithm.profile.rawValue)
        return .object(object)
    }

    public func pkcs8PEM() throws(CryptoError) -> String { try AsymmetricKey.privatePEM(key) }
    public func writePrivateKey(to path: String) throws(CryptoError) { try PrivateKeyFile.write(try pkcs8PEM(), to: path) }
}

/// A public key-agreement key: JWEs are encrypted to it.
public struct AgreementPublicKey: Sendable {
    let key: PKey
    public let curve: KeyCurve
    /// The RFC 7638 thumbprint, used as `kid` in JWE recipient headers.
    public let thumbprint: String

    init(key: PKey, curve: KeyCurve) throws(CryptoError) {
        guard curve.canAgree else { throw CryptoError.invalidKey("\(curve.rawValue) keys do not agree keys") }
        self.key = key
        self.curve = curve
        self.thumbprint = JWK.thumbprint(of: .object(try AsymmetricKey.jwk(key, curve: curve, includingPrivate: false)))
    }

    /// Imports a public JWK; NIST points are checked to be on their curve.
    public init(jwk: JSONValue) throws(CryptoError) {
        let imported = try AsymmetricKey.importJWK(jwk, requirePrivate: false)
        let key = imported.isPrivate ? try AsymmetricKey.publicOnly(imported.key, curve: imported.curve) : imported.key
        try self.init(key: key, curve: imported.curve)
    }

    public init(pem: String) throws(CryptoError) {
        let key = try AsymmetricKey.readPEM(pem, privateKey: false)
        try self.init(key: key, curve: try AsymmetricKey.curve(of: key))
    }

    public var jwk: JSONValue {
        var object = (try? AsymmetricKey.jwk(key, curve: curve, includingPrivate: false)) ?? JSONObject()
        object["kid"] = .string(thumbprint)
        object["use"] = "enc"
        object["alg"] = .string(KeyManagementAlgorithm.profile.rawValue)
        return .object(object)
    }

    /// The bare public JWK (no kid, no use), as JWE `epk` carries it.
    var bareJWK: JSONValue { .object((try? AsymmetricKey.jwk(key, curve: curve, includingPrivate: false)) ?? JSONObject()) }
}
