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

        StoreCheck("theDeliveredReceiptOfARelayedMessageIsQueuedForThePeerUntilTakenAcrossARestart") { f in
            let peer = AgencyID(validated: "xk.ura.gateway")
            var relayed = f.accepted(to: [StoreFixture.shelter, StoreFixture.secretariat])
            relayed.relayedBy = peer
            let local = f.accepted(to: [StoreFixture.shelter])
            let id = relayed.metadata.id
            let t = f.start
            _ = try await f.store.commit(relayed)
            _ = try await f.store.commit(local)
            _ = try await f.claim()
            #expect(try f.store.nextForwardTime() == nil)
            // Recorded and queued in one transaction; a local message's receipt is owed to no one.
            #expect(try await f.store.record(.delivered(receipt: [1], at: t), for: id, recipient: StoreFixture.shelter))
            #expect(try await f.store.record(.delivered(receipt: [3], at: t), for: local.metadata.id, recipient: StoreFixture.shelter))
            #expect(try await f.store.record(.delivered(receipt: [2], at: t.addingTimeInterval(1)), for: id, recipient: StoreFixture.secretariat))
            #expect(try await !f.store.record(.delivered(receipt: [9], at: t.addingTimeInterval(2)), for: id, recipient: StoreFixture.shelter))
            let queued = try f.store.dueForwards(now: t.addingTimeInterval(1), limit: 10)
            #expect(queued.map(\.receipt) == [[1], [2]])
            #expect(queued.first?.peer == peer && queued.first?.message == id && queued.first?.recipient == StoreFixture.shelter)
            #expect(queued.first?.attempts == 0 && queued.first?.queuedAt == t)
            #expect(try f.store.dueForwards(now: t, limit: 10).map(\.receipt) == [[1]])
            #expect(try f.store.nextForwardTime() == t)

            try await f.store.recordForwardAttempt(message: id, recipient: StoreFixture.shelter, at: t, error: "connection refused",
                                                   next: t.addingTimeInterval(30))
            try f.reopen()
            let due = try f.store.dueForwards(now: t.addingTimeInterval(30), limit: 10)
            #expect(due.map(\.recipient) == [StoreFixture.secretariat, StoreFixture.shelter])
            #expect(due.last?.attempts == 1 && due.last?.lastError == "connection refused" && due.last?.peer == peer)
            #expect(due.last?.nextAttemptAt == t.addingTimeInterval(30) && due.last?.queuedAt == t)
            #expect(try f.store.dueForwards(now: t.addingTimeInterval(30), limit: 1).map(\.recipient) == [StoreFixture.secretariat])

            try await f.store.recordForwardAttempt(message: id, recipient: StoreFixture.shelter, at: t.addingTimeInterval(31), error: nil, next: nil)
            try await f.store.recordForwardAttempt(message: id, recipient: StoreFixture.secretariat, at: t.addingTimeInterval(31), error: nil, next: nil)
            #expect(try f.store.dueForwards(now: t.addingTimeInterval(3600), limit: 10).isEmpty)
            #expect(try f.store.nextForwardTime() == nil)
            // A delivered receipt after a dead letter is owed too, once.
            var late = f.accepted(to: [StoreFixture.shelter])
            late.relayedBy = peer
            _ = try await f.store.commit(late)
            _ = try await f.claim(at: t)
            #expect(try await f.store.record(.failed(error: "expired", at: t, failedReceipt: [5]), for: late.metadata.id, recipient: StoreFixture.shelter))
            #expect(try f.store.nextForwardTime() == nil)
            #expect(try await f.store.record(.delivered(receipt: [6], at: t.addingTimeInterval(60)), for: late.metadata.id, recipient: StoreFixture.shelter))
            #expect(try f.store.dueForwards(now: t.addingTimeInterval(60), limit: 10).map(\.receipt) == [[6]])
            await #expect(throws: StoreError.self) {
                try await f.store.recordForwardAttempt(message: .random(), recipient: StoreFixture.shelter, at: t, error: nil, next: nil)
            }
        },
    ]
}
