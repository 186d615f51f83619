import UraBasics
import UraHTTPCore
import UraHTTPServer

/// Latency percentiles of the answered requests.
public struct LatencySummary: Sendable, Hashable {
    public var p50: Duration
    public var p90: Duration
    public var p99: Duration
    public var p999: Duration
    public var max: Duration

    /// From latencies in nanoseconds (sorted here).
    init(nanoseconds: [UInt64]) {
        let sorted = nanoseconds.sorted()
        func at(_ fraction: Double) -> Duration {
            guard !sorted.isEmpty else { return .zero }
            let index = Swift.min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.up)) - 1)
            return .nanoseconds(Int64(sorted[Swift.max(0, index)]))
        }
        p50 = at(0.50)
        p90 = at(0.90)
        p99 = at(0.99)
        p999 = at(0.999)
        max = sorted.last.map { .nanoseconds(Int64($0)) } ?? .zero
    }
}
