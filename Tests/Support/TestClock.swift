import Foundation
import Synchronization
import UraModel

/// A clock that only moves when a test tells it to.
public final class TestClock: WallClock {
    private let current: Mutex<Date>

    public init(_ start: Date) { current = Mutex(start) }

    public var now: Date { current.withLock { $0 } }

    public func advance(by duration: Duration) {
        let (seconds, attoseconds) = duration.components
        current.withLock { $0 = $0.addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18) }
    }

    public func set(_ date: Date) { current.withLock { $0 = date } }
}
