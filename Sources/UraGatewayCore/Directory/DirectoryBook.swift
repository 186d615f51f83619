import Synchronization
import UraProtocol

/// The current directory, swapped as a whole when it is reloaded (SIGHUP, enrolment).
public final class DirectoryBook: Sendable {
    private let current: Mutex<DirectorySnapshot>

    public init(_ snapshot: DirectorySnapshot) { current = Mutex(snapshot) }

    public var snapshot: DirectorySnapshot { current.withLock { $0 } }

    public func replace(_ snapshot: DirectorySnapshot) { current.withLock { $0 = snapshot } }
}
