import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestTraits

@Suite(.offThePool) struct RetryPolicyTests {
    let policy = RetryPolicy(initialDelay: .seconds(2), maximumDelay: .seconds(60), multiplier: 2, maximumAttempts: 8)
    let now = Date(timeIntervalSince1970: 1_795_425_300)
    let far = Date(timeIntervalSince1970: 1_795_425_300 + 86_400)

    @Test func ceilingGrowsExponentiallyUpToTheCap() {
        #expect((1...7).map { policy.ceiling(afterAttempt: $0) } == [2, 4, 8, 16, 32, 60, 60].map { Duration.seconds($0) })
    }

    @Test func delaysAreFullJitterWithinTheCeiling() {
        var random = SplitMix64(seed: 42)
        for attempt in 1...7 {
            var delays: [Double] = []
            for _ in 0..<500 {
                guard case .retry(let at) = policy.decision(afterFailedAttempt: attempt, now: now, deliverUntil: far, using: &random)
                else { Issue.record("gave up early"); return }
                delays.append(at.timeIntervalSince(now))
            }
            let ceiling = policy.ceiling(afterAttempt: attempt).seconds
            #expect(delays.allSatisfy { $0 >= 0 && $0 <= ceiling })
            // Full jitter spreads over the whole range, not around the ceiling.
            #expect(delays.min()! < ceiling * 0.1 && delays.max()! > ceiling * 0.9)
        }
    }

    @Test func sameSeedSameSchedule() {
        var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
        let first = (1...5).map { policy.decision(afterFailedAttempt: $0, now: now, deliverUntil: far, using: &a) }
        let second = (1...5).map { policy.decision(afterFailedAttempt: $0, now: now, deliverUntil: far, using: &b) }
        #expect(first == second)
    }

    @Test func givesUpWhenAttemptsRunOut() {
        var random = SplitMix64(seed: 1)
        #expect(policy.decision(afterFailedAttempt: 8, now: now, deliverUntil: far, using: &random)
                == .giveUp(reason: "gave up after 8 attempts"))
    }

    @Test func givesUpWhenTheMessageWouldExpireFirst() {
        var random = SplitMix64(seed: 1)
        let decision = policy.decision(afterFailedAttempt: 1, now: now, deliverUntil: now, using: &random)
        #expect(decision == .giveUp(reason: "the message expires at 2026-11-23T09:15:00Z before the next attempt"))
    }
}
