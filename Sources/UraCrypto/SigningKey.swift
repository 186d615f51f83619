import Foundation
import UraJSON

/// A private signing key (Ed25519 or ECDSA on a NIST curve). Signs from any number of threads.
public struct SigningKey: Sendable {
    let key: PKey
    public let publicKey: VerificationKey
    public var algorithm: SignatureAlgorithm { publicKey.algorithm }
    /// The key's `kid` (its public key's RFC 7638 thumbprint).
    public var keyID: String { publicKey.thumbprint }

    private init(key: PKey, curve: KeyCurve) throws(CryptoError) {
        self.key = key
        self.publicKey = try VerificationKey(key: try AsymmetricKey.publicOnly(key, curve: curve), curve: curve)
    }

    /// A new random key for `algorithm`.
    public static func generate(_ algorithm: SignatureAlgorithm = .eddsa) throws(CryptoError) -> SigningKey {
        try SigningKey(key: try AsymmetricKey.generate(algorithm.curve), curve: algorithm.curve)
    }

    /// Imports a private JWK.
    public init(jwk: JSONValue) throws(CryptoError) {
        let imported = try AsymmetricKey.importJWK(jwk, requirePrivate: true)
        guard imported.curve.canSign else { throw CryptoError.invalidKey("\(imported.curve.rawValue) keys do not sign") }
        try self.init(key: imported.key, curve: imported.curve)
    }

    /// Imports a PKCS#8 PEM private key.
    public init(pem: String) throws(CryptoError) {
        let key = try AsymmetricKey.readPEM(pem, privateKey: true)
        try self.init(key: key, curve: try AsymmetricKey.curve(of: key))
    }

    /// The raw signature of `data`: 64 bytes for EdDSA, R‖S for ES256/384/512.
    public func signature(for data: some Collection<UInt8>) throws(CryptoError) -> [UInt8] {
        try Signatures.sign(data, key: key, algorithm: algorithm)
    }

    /// The private JWK (with `d`) or, without `includingPrivate`, the public one.
    public func jwk(includingPrivate: Bool) throws(CryptoError) -> JSONValue {
        guard includingPrivate else { return publicKey.jwk }
        var object = try AsymmetricKey.jwk(key, curve: algorithm.curve, includingPrivate: true)
        object["kid"] = .string(keyID)
        object["use"] = "sig"
        object["alg"] = .string(algorithm.rawValue)
        return .object(object)
    }

    public func pkcs8PEM() throws(CryptoError) -> String { try AsymmetricKey.privatePEM(key) }

    /// Writes the PKCS#8 PEM to a new file readable only by its owner (0600); refuses to
    /// overwrite an existing file.
    public func writePrivateKey(to path: String) throws(CryptoError) {
        try PrivateKeyFile.write(try pkcs8PEM(), to: path)
    }

    /// Reads a key written by `writePrivateKey(to:)`.
    public init(contentsOfFile path: String) throws(CryptoError) {
        try self.init(pem: try PrivateKeyFile.read(path))
    }
}
