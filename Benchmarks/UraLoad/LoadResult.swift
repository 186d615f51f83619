import UraHTTPCore
import UraHTTPServer

/// What a load run measured.
public struct LoadResult: Sendable {
    /// Requests answered, by HTTP status.
    public var statusCounts: [Int: Int]
    /// Requests that got no answer (connection lost, run timed out).
    public var failures: Int
    /// From the first request to the last answer.
    public var duration: Duration
    public var latency: LatencySummary
    public var connections: Int

    public var answered: Int { statusCounts.values.reduce(0, +) }

    /// Answers per second.
    public var throughput: Double {
        let seconds = Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
        return seconds > 0 ? Double(answered) / seconds : 0
    }
}
