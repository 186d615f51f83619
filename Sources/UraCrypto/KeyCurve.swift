/// The curves Ura's keys live on, with their JOSE names (RFC 7518, RFC 8037).
public enum KeyCurve: String, Sendable, CaseIterable {
    /// Ed25519 signatures (JWS `EdDSA`).
    case ed25519 = "Ed25519"
    /// X25519 key agreement (JWE `ECDH-ES*`).
    case x25519 = "X25519"
    /// NIST P-256: ES256 signatures or ECDH.
    case p256 = "P-256"
    case p384 = "P-384"
    case p521 = "P-521"

    /// `OKP` for the Edwards/Montgomery curves, `EC` for the NIST ones.
    var keyType: String { isNIST ? "EC" : "OKP" }
    var isNIST: Bool { self == .p256 || self == .p384 || self == .p521 }

    /// Bytes in a coordinate (and in a private scalar, and in each half of an ES signature).
    var coordinateSize: Int {
        switch self {
        case .ed25519, .x25519, .p256: 32
        case .p384: 48
        case .p521: 66
        }
    }

    /// OpenSSL's name for the group or key type.
    var openSSLName: String {
        switch self {
        case .ed25519: "ED25519"
        case .x25519: "X25519"
        case .p256: "prime256v1"
        case .p384: "secp384r1"
        case .p521: "secp521r1"
        }
    }

    var canSign: Bool { self != .x25519 }
    var canAgree: Bool { self != .ed25519 }
}
