import Foundation
import Synchronization

/// Where the gateway reads the time. Injected everywhere so tests move time instead of sleeping.
public protocol WallClock: Sendable {
    var now: Date { get }
}

/// The system's real-time clock.
public struct SystemClock: WallClock {
    public init() {}
    public var now: Date { Date() }
}
