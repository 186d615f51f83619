import Foundation
import UraModel
import UraProtocol

/// When to try a failed push delivery again: exponential backoff with full jitter (a uniform
/// delay between zero and `min(cap, initial · multiplier^(n-1))`), so that a recovering agency is not
/// hit by every gateway worker at once; and when to give up (attempts exhausted, or the message
/// would expire before the next attempt).
public struct RetryPolicy: Sendable, Equatable {
    public var initialDelay: Duration
    public var maximumDelay: Duration
    public var multiplier: Double
    public var maximumAttempts: Int

    public init(initialDelay: Duration = .seconds(2), maximumDelay: Duration = .seconds(900), multiplier: Double = 2,
                maximumAttempts: Int = 30) {
        self.initialDelay = initialDelay
        self.maximumDelay = maximumDelay
        self.multiplier = multiplier
        self.maximumAttempts = maximumAttempts
    }

    public enum Decision: Sendable, Equatable {
        case retry(at: Date)
        case giveUp(reason: String)
    }

    /// The upper bound of the delay after failed attempt `attempt` (1-based).
    public func ceiling(afterAttempt attempt: Int) -> Duration {
        let initial = initialDelay.seconds
        let grown = initial * pow(multiplier, Double(max(0, attempt - 1)))
        return .seconds(min(grown, maximumDelay.seconds))
    }

    /// What to do after attempt `attempt` failed at `now`, for a delivery that must happen before
    /// `deliverUntil`.
    public func decision(afterFailedAttempt attempt: Int, now: Date, deliverUntil: Date,
                         using random: inout some RandomNumberGenerator) -> Decision {
        if attempt >= maximumAttempts {
            return .giveUp(reason: "gave up after \(attempt) attempts")
        }
        let delay = Double.random(in: 0...ceiling(afterAttempt: attempt).seconds, using: &random)
        // Whole milliseconds: what the store keeps, so the schedule read back is the one decided.
        let next = Date(timeIntervalSince1970: ((now.timeIntervalSince1970 + delay) * 1000).rounded() / 1000)
        if next >= deliverUntil {
            return .giveUp(reason: "the message expires at \(RFC3339.string(from: deliverUntil)) before the next attempt")
        }
        return .retry(at: next)
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var seconds: Double {
        let (s, atto) = components
        return Double(s) + Double(atto) / 1e18
    }
}
