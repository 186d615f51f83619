import Foundation
import Testing
import UraModel
import UraStore

extension StoreConformance {
    /// Monitoring: agency health, counts, latencies, dead letters, message search, statistics and settlement counts.
    public static let monitoring: [StoreCheck] = [
        StoreCheck("healthTracksFailureRunsAndResetsOnSuccess") { f in
            let a = f.accepted(to: [StoreFixture.shelter]), b = f.accepted(to: [StoreFixture.shelter])
            _ = try await f.store.commit(a)
            _ = try await f.store.commit(b)
            _ = try await f.claim()
            let t1 = f.start.addingTimeInterval(10), t2 = f.start.addingTimeInterval(20)
            _ = try await f.store.record(.retry(error: "connection refused", at: t1, nextAttempt: t2), for: a.metadata.id, recipient: StoreFixture.shelter)
            _ = try await f.store.record(.retry(error: "HTTP 503", at: t2, nextAttempt: t2), for: b.metadata.id, recipient: StoreFixture.shelter)
            var health = try #require(try f.store.agencyHealth().first)
            #expect(health.consecutiveFailures == 2 && health.failingSince == t1 && health.lastError == "HTTP 503" && health.lastSuccessAt == nil)

            try await f.store.markAlerted(StoreFixture.shelter, at: t2)
            _ = try await f.store.record(.delivered(receipt: [1], at: t2), for: a.metadata.id, recipient: StoreFixture.shelter)
            health = try #require(try f.store.agencyHealth().first)
            #expect(health.consecutiveFailures == 0 && health.failingSince == nil && health.lastSuccessAt == t2 && health.alertedAt == nil)

            try await f.store.recordPoll(by: StoreFixture.secretariat, at: t2)
            #expect(try f.store.agencyHealth().first { $0.agency == StoreFixture.secretariat }?.lastSeenAt == t2)
        },

        StoreCheck("countsLatenciesAndDeadLetters") { f in
            let a = f.accepted(to: [StoreFixture.shelter, StoreFixture.secretariat])
            _ = try await f.store.commit(a)
            _ = try await f.claim()
            _ = try await f.store.record(.delivered(receipt: [1], at: f.start.addingTimeInterval(2.5)), for: a.metadata.id, recipient: StoreFixture.shelter)
            _ = try await f.store.record(.failed(error: "expired", at: f.start.addingTimeInterval(3), failedReceipt: [2]), for: a.metadata.id,
                                         recipient: StoreFixture.secretariat)
            let counts = try f.store.deliveryCounts()
            #expect(counts.contains(DeliveryCount(recipient: StoreFixture.shelter, state: .delivered, count: 1)))
            #expect(counts.contains(DeliveryCount(recipient: StoreFixture.secretariat, state: .deadLetter, count: 1)))
            #expect(try f.store.deliveryLatencies(since: f.start, limit: 10) == [2.5])
            let minute = CountingPeriod(label: "first minute", start: f.start, end: f.start.addingTimeInterval(60))
            #expect(try f.store.settlementCounts(periods: [minute]) == [SettlementCount(period: "first minute", delivered: 1, failed: 1, p50: 2.5, p99: 2.5)])
            #expect(try f.store.deadLetters(limit: 10).map(\.recipient) == [StoreFixture.secretariat])
        },

        StoreCheck("messagesAreFilteredByCaseTypeAgencyAndState") { f in
            let a = f.accepted(to: [StoreFixture.shelter], caseReference: "AL-2026-000001")
            let b = f.accepted(to: [StoreFixture.secretariat], at: f.start.addingTimeInterval(1), caseReference: "AL-2026-000002")
            _ = try await f.store.commit(a)
            _ = try await f.store.commit(b)
            #expect(try f.store.messages(matching: MessageFilter()).map(\.metadata.id) == [b.metadata.id, a.metadata.id])
            #expect(try f.store.messages(matching: MessageFilter(caseReference: CaseReference("AL-2026-000001"))).map(\.metadata.id) == [a.metadata.id])
            #expect(try f.store.messages(matching: MessageFilter(agency: StoreFixture.secretariat)).map(\.metadata.id) == [b.metadata.id])
            #expect(try f.store.messages(matching: MessageFilter(agency: StoreFixture.police)).count == 2)
            #expect(try f.store.messages(matching: MessageFilter(state: .delivered)).isEmpty)
            #expect(try f.store.messages(matching: MessageFilter(limit: 1, offset: 1)).map(\.metadata.id) == [a.metadata.id])
            #expect(try f.store.messages(matching: MessageFilter()).first?.deliveries.map(\.state) == [.pending])
        },

        StoreCheck("statisticsAreCountedPerPeriodAndDimensionWithDistinctCases") { f in
            let hour = f.start.addingTimeInterval(3600)
            // First hour: three messages of two cases in Tirana, one of a third case without a county.
            for (at, caseReference, county) in [(f.start, "AL-2026-000001", County.tirane), (f.start.addingTimeInterval(60), "AL-2026-000001", .tirane),
                                                (hour.addingTimeInterval(-0.001), "AL-2026-000002", .tirane), (f.start, "AL-2026-000003", nil)] {
                _ = try await f.store.commit(f.accepted(at: at, caseReference: caseReference, county: county))
            }
            // Second hour, from its first millisecond: one more message of case 1; a day later: outside both.
            _ = try await f.store.commit(f.accepted(at: hour, caseReference: "AL-2026-000001"))
            _ = try await f.store.commit(f.accepted(at: f.start.addingTimeInterval(86_400), caseReference: "AL-2026-000001"))
            let periods = [CountingPeriod(label: "h1", start: f.start, end: hour),
                           CountingPeriod(label: "h2", start: hour, end: hour.addingTimeInterval(3600))]

            #expect(try f.store.statisticsCounts(periods: periods, by: []) == [StatisticsCount(values: [:], messages: 5, cases: 3)])
            let byPeriod = try f.store.statisticsCounts(periods: periods, by: [.period]).sorted { $0.values[.period]! < $1.values[.period]! }
            #expect(byPeriod == [StatisticsCount(values: [.period: "h1"], messages: 4, cases: 3),
                                 StatisticsCount(values: [.period: "h2"], messages: 1, cases: 1)])
            let byCounty = try f.store.statisticsCounts(periods: periods, by: [.county, .period]).sorted {
                ($0.values[.county]!, $0.values[.period]!) < ($1.values[.county]!, $1.values[.period]!)
            }
            #expect(byCounty == [StatisticsCount(values: [.county: "tirane", .period: "h1"], messages: 3, cases: 2),
                                 StatisticsCount(values: [.county: "tirane", .period: "h2"], messages: 1, cases: 1),
                                 StatisticsCount(values: [.county: "unknown", .period: "h1"], messages: 1, cases: 1)])
            let cells = try f.store.statisticsCounts(periods: periods, by: [.county, .period, .type, .subject])
            #expect(cells.contains(StatisticsCount(values: [.county: "tirane", .period: "h1", .type: "referral.shelter", .subject: "child"],
                                                   messages: 3, cases: 2)))
            #expect(cells.count == 3)
            let nothing = [CountingPeriod(label: "before", start: f.start.addingTimeInterval(-60), end: f.start)]
            #expect(try f.store.statisticsCounts(periods: nothing, by: []).isEmpty)
            #expect(try f.store.statisticsCounts(periods: [], by: [.period]).isEmpty)
        },

        StoreCheck("settlementsAreCountedPerPeriodWithNearestRankPercentiles") { f in
            // Delivered after 1, 2, 3 and 4 s in the first minute, after 10 s in the second; one given up.
            var latencies: [(MessageID, Double)] = []
            for seconds in [3.0, 1, 4, 2, 70] {
                let m = f.accepted(to: [StoreFixture.shelter])
                _ = try await f.store.commit(m)
                latencies.append((m.metadata.id, seconds))
            }
            let lost = f.accepted(to: [StoreFixture.shelter])
            _ = try await f.store.commit(lost)
            _ = try await f.claim()
            for (id, seconds) in latencies {
                _ = try await f.store.record(.delivered(receipt: [1], at: f.start.addingTimeInterval(seconds)), for: id, recipient: StoreFixture.shelter)
            }
            _ = try await f.store.record(.failed(error: "expired", at: f.start.addingTimeInterval(5), failedReceipt: [2]), for: lost.metadata.id,
                                         recipient: StoreFixture.shelter)
            let periods = [CountingPeriod(label: "m1", start: f.start, end: f.start.addingTimeInterval(60)),
                           CountingPeriod(label: "m2", start: f.start.addingTimeInterval(60), end: f.start.addingTimeInterval(120)),
                           CountingPeriod(label: "m3", start: f.start.addingTimeInterval(120), end: f.start.addingTimeInterval(180))]
            #expect(try f.store.settlementCounts(periods: periods) == [
                SettlementCount(period: "m1", delivered: 4, failed: 1, p50: 2, p99: 4),
                SettlementCount(period: "m2", delivered: 1, failed: 0, p50: 70, p99: 70),
                SettlementCount(period: "m3", delivered: 0, failed: 0, p50: nil, p99: nil),
            ])
        },
    ]
}
