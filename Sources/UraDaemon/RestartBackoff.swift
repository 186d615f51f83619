/// How long `ServiceRunner` waits before it starts a failed service again: `initial` after the
/// first failure, doubled after each next one up to `maximum`, so a service that fails at once
/// every time neither spins nor floods the log.
public struct RestartBackoff: Sendable {
    public var initial: Duration
    public var maximum: Duration

    public init(initial: Duration = .seconds(1), maximum: Duration = .seconds(60)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// The pause after the `failures`-th failure in a row (1 for the first).
    public func delay(afterFailures failures: Int) -> Duration {
        var delay = initial
        for _ in 1..<max(failures, 1) where delay < maximum { delay *= 2 }
        return min(delay, maximum)
    }
}
