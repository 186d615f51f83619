/// JWE key management algorithms Ura supports (RFC 7518 §4.6): ECDH-ES directly, or with AES
/// key wrap of a random content key (needed for more than one recipient).
public enum KeyManagementAlgorithm: String, Sendable, CaseIterable {
    case ecdhES = "ECDH-ES"
    case ecdhESA128KW = "ECDH-ES+A128KW"
    case ecdhESA192KW = "ECDH-ES+A192KW"
    case ecdhESA256KW = "ECDH-ES+A256KW"

    /// What Ura's profile of the format uses, and what an encryption key's JWK names as its `alg`
    /// (the gateway refuses the others: docs/wire-format.md).
    public static let profile = ecdhESA256KW

    /// Bytes of the key-wrapping key; nil for direct agreement.
    var wrapKeyLength: Int? {
        switch self {
        case .ecdhES: nil
        case .ecdhESA128KW: 16
        case .ecdhESA192KW: 24
        case .ecdhESA256KW: 32
        }
    }
}

/// JWE content encryption algorithms Ura supports: AES-GCM.
public enum ContentEncryptionAlgorithm: String, Sendable, CaseIterable {
    case a128gcm = "A128GCM"
    case a192gcm = "A192GCM"
    case a256gcm = "A256GCM"

    var keyLength: Int {
        switch self {
        case .a128gcm: 16
        case .a192gcm: 24
        case .a256gcm: 32
        }
    }
}
