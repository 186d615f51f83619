/// Why a cryptographic operation failed. Decryption failures are deliberately one case with no
/// detail (`decryptionFailed`), so that a caller cannot learn which check failed.
public enum CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Input that is not what it should be (bad base64url, a JWK without `x`, an unknown curve).
    case invalidInput(String)
    /// A key that cannot be used for this (a public key where a private one is needed, a curve
    /// that does not match the algorithm, a point not on the curve).
    case invalidKey(String)
    /// The algorithm is not one Ura supports or allows here.
    case unsupportedAlgorithm(String)
    /// The signature does not verify.
    case invalidSignature
    /// The JWE could not be decrypted (whatever the reason).
    case decryptionFailed
    /// OpenSSL reported an error it should not have (out of memory, a library fault).
    case library(String)

    public var description: String {
        switch self {
        case .invalidInput(let s): "invalid input: \(s)"
        case .invalidKey(let s): "invalid key: \(s)"
        case .unsupportedAlgorithm(let s): "unsupported algorithm: \(s)"
        case .invalidSignature: "the signature does not verify"
        case .decryptionFailed: "the message cannot be decrypted with this key"
        case .library(let s): "OpenSSL error: \(s)"
        }
    }
}
