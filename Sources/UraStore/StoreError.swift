/// Why the store could not do what was asked. The gateway maps these to problem types; none of
/// them carries a body or a key.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The database cannot be opened or written (disk full, I/O error, shutting down).
    case unavailable(String)
    /// The row asked for does not exist.
    case notFound(String)
    /// The change does not fit the current state (redrive of a delivery that is not a dead letter).
    case invalidState(String)
    /// The stored data is not what the store wrote (a migration from the future, a broken row).
    case corrupt(String)

    public var description: String {
        switch self {
        case .unavailable(let s): "store unavailable: \(s)"
        case .notFound(let s): "not found: \(s)"
        case .invalidState(let s): s
        case .corrupt(let s): "store corrupt: \(s)"
        }
    }
}
