/// Where PEM text comes from: a file the process reads at start, or bytes already in memory
/// (for example a key that was decrypted or generated without touching the disk).
public enum PEMSource: Sendable, Hashable {
    case file(String)
    case bytes([UInt8])

    /// Names the source in error messages without printing its content (it may be a private key).
    package var label: String {
        switch self {
        case .file(let path): "file \(path)"
        case .bytes(let bytes): "in-memory PEM (\(bytes.count) bytes)"
        }
    }
}
