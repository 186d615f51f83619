import Foundation
import Testing
import UraModel
import UraStore

extension StoreConformance {
    /// Monitoring: agency health, counts, latencies, dead letters, message search and statistics rows.
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
            #expect(try f.store.settledDeliveries(since: f.start, limit: 10) == [
                SettledDelivery(settledAt: f.start.addingTimeInterval(2.5), delivered: true, seconds: 2.5),
                SettledDelivery(settledAt: f.start.addingTimeInterval(3), delivered: false, seconds: 3),
            ])
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

        StoreCheck("statisticsRowsCoverTheRange") { f in
            _ = try await f.store.commit(f.accepted())
            _ = try await f.store.commit(f.accepted(at: f.start.addingTimeInterval(86_400)))
            let rows = try f.store.statisticsRows(from: f.start, to: f.start.addingTimeInterval(60))
            #expect(rows.count == 1 && rows[0].county == .tirane && rows[0].subject == .child)
        },
    ]
}
