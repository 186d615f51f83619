/// JWS signature algorithms Ura signs and verifies with (RFC 7518 §3.4, RFC 8037). `none` and the
/// symmetric and RSA algorithms are deliberately absent.
public enum SignatureAlgorithm: String, Sendable, CaseIterable {
    case eddsa = "EdDSA"
    case es256 = "ES256"
    case es384 = "ES384"
    case es512 = "ES512"

    /// The one curve each algorithm goes with: an `alg` that does not match the key is refused.
    public var curve: KeyCurve {
        switch self {
        case .eddsa: .ed25519
        case .es256: .p256
        case .es384: .p384
        case .es512: .p521
        }
    }

    init(curve: KeyCurve) throws(CryptoError) {
        switch curve {
        case .ed25519: self = .eddsa
        case .p256: self = .es256
        case .p384: self = .es384
        case .p521: self = .es512
        case .x25519: throw CryptoError.invalidKey("an X25519 key agrees keys; it cannot sign")
        }
    }
}
