import Foundation

/// The one conversion of a `Duration` to the units the C libraries, Foundation and people use.
extension Duration {
    /// Seconds with the fraction (Foundation's `TimeInterval`, figures in benchmarks).
    public var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }

    /// Milliseconds with the fraction.
    public var milliseconds: Double { seconds * 1000 }

    /// Whole nanoseconds, clamped at zero (deadline arithmetic on the monotonic clock).
    public var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) &* 1_000_000_000 &+ UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// A short human form for messages: "300 ms", "10 s".
    public var spoken: String {
        let nanos = nanoseconds
        if nanos % 1_000_000_000 == 0 { return "\(nanos / 1_000_000_000) s" }
        return "\(nanos / 1_000_000) ms"
    }
}
