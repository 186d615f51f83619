import Foundation
import Synchronization

/// Where the gateway reads the time, and waits on it. Injected everywhere so tests move time
/// instead of sleeping.
public protocol WallClock: Sendable {
    var now: Date { get }

    /// Waits `duration` of this clock's time (a test clock: until the test moves it that far);
    /// throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

extension WallClock {
    /// Real time: the system's clocks move on their own.
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}

/// The system's real-time clock.
public struct SystemClock: WallClock {
    public init() {}
    public var now: Date { Date() }
}
