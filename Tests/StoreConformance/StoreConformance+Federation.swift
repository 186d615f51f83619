import Foundation
import Testing
import UraJSON
import UraModel
import UraStore

extension StoreConformance {
    /// Federation: a peer gateway's accepted receipt in the sender's feed, once; delivered receipts
    /// queued for the peer a message came from, retried until taken, kept across a restart.
    public static let federation: [StoreCheck] = [
        StoreCheck("aPeerGatewaysAcceptedReceiptGoesToTheSendersFeedOnce") { f in
            let peer = AgencyID(validated: "xk.ura.gateway")
            let message = f.accepted(to: [StoreFixture.shelter])
            let id = message.metadata.id
            _ = try await f.store.commit(message)
            let t = f.start.addingTimeInterval(2)
            #expect(try await f.store.recordRelayAccepted([4, 2], by: peer, at: t, for: id, recipient: StoreFixture.shelter))
            // The peer answers accepted again on every retry: recorded once.
            #expect(try await !f.store.recordRelayAccepted([4, 3], by: peer, at: t.addingTimeInterval(5), for: id, recipient: StoreFixture.shelter))
            _ = try await f.claim()
            #expect(try await f.store.record(.delivered(receipt: [7], at: t.addingTimeInterval(9)), for: id, recipient: StoreFixture.shelter))

            let feed = try f.store.receipts(forSender: StoreFixture.police, after: 0, limit: 10)
            #expect(feed.map(\.kind) == [.accepted, .delivered])
            #expect(feed.map(\.signed) == [[4, 2], [7]])
            #expect(feed.first?.recipient == StoreFixture.shelter && feed.first?.at == t)
            // The delivery itself is untouched by the peer's acceptance.
            #expect(try f.store.deliveries(of: id).first?.state == .delivered)
            let events = try f.store.ledgerEntries(from: 0, count: 100).compactMap { try? JSONValue(parsing: $0.leaf) }
            let relayed = events.filter { $0["kind"]?.stringValue == "delivery.relay_accepted" }
            #expect(relayed.count == 1)
            #expect(relayed.first?["data"]?["peer"]?.stringValue == peer.rawValue)
            await #expect(throws: StoreError.self) {
                try await f.store.recordRelayAccepted([1], by: peer, at: t, for: id, recipient: StoreFixture.child)
            }
        },

        StoreCheck("aQueuedForwardIsRetriedUntilTakenAndSurvivesARestart") { f in
            let peer = AgencyID(validated: "xk.ura.gateway")
            let id = MessageID.random(), other = MessageID.random()
            let t = f.start
            #expect(try f.store.nextForwardTime() == nil)
            #expect(try await f.store.queueForward(ReceiptForward(message: id, recipient: StoreFixture.shelter, peer: peer, receipt: [1], queuedAt: t)))
            #expect(try await !f.store.queueForward(ReceiptForward(message: id, recipient: StoreFixture.shelter, peer: peer, receipt: [9], queuedAt: t)))
            #expect(try await f.store.queueForward(ReceiptForward(message: other, recipient: StoreFixture.shelter, peer: peer, receipt: [2],
                                                                  queuedAt: t.addingTimeInterval(1))))
            #expect(try f.store.dueForwards(now: t, limit: 10).map(\.receipt) == [[1]])
            #expect(try f.store.nextForwardTime() == t)

            try await f.store.recordForwardAttempt(message: id, recipient: StoreFixture.shelter, at: t, error: "connection refused",
                                                   next: t.addingTimeInterval(30))
            try f.reopen()
            let due = try f.store.dueForwards(now: t.addingTimeInterval(30), limit: 10)
            #expect(due.map(\.message) == [other, id])
            #expect(due.last?.attempts == 1 && due.last?.lastError == "connection refused" && due.last?.peer == peer)
            #expect(due.last?.nextAttemptAt == t.addingTimeInterval(30) && due.last?.queuedAt == t)
            #expect(try f.store.dueForwards(now: t.addingTimeInterval(30), limit: 1).map(\.message) == [other])

            try await f.store.recordForwardAttempt(message: id, recipient: StoreFixture.shelter, at: t.addingTimeInterval(31), error: nil, next: nil)
            try await f.store.recordForwardAttempt(message: other, recipient: StoreFixture.shelter, at: t.addingTimeInterval(31), error: nil, next: nil)
            #expect(try f.store.dueForwards(now: t.addingTimeInterval(3600), limit: 10).isEmpty)
            #expect(try f.store.nextForwardTime() == nil)
            // Once taken, the same receipt is not queued again.
            #expect(try await !f.store.queueForward(ReceiptForward(message: id, recipient: StoreFixture.shelter, peer: peer, receipt: [1], queuedAt: t)))
            await #expect(throws: StoreError.self) {
                try await f.store.recordForwardAttempt(message: .random(), recipient: StoreFixture.shelter, at: t, error: nil, next: nil)
            }
        },
    ]
}
