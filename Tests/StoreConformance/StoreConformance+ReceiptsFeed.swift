import Foundation
import Testing
import UraJSON
import UraStore

extension StoreConformance {
    /// The receipts feed: a sender reads its delivered and failed receipts in order, from a cursor.
    public static let receiptsFeed: [StoreCheck] = [
        StoreCheck("deliveredGoesToTheSendersFeedAndSettlesTheMessage") { f in
            let message = f.accepted()
            _ = try await f.store.commit(message)
            _ = try await f.claim()
            let id = message.metadata.id
            let t = f.start.addingTimeInterval(5)
            #expect(try await f.store.record(.delivered(receipt: [1], at: t), for: id, recipient: StoreFixture.shelter))
            #expect(try f.store.message(id)?.settledAt == nil)
            #expect(try await f.store.record(.delivered(receipt: [2], at: t), for: id, recipient: StoreFixture.secretariat))
            #expect(try f.store.message(id)?.settledAt == t)
            #expect(try await !f.store.record(.delivered(receipt: [3], at: t), for: id, recipient: StoreFixture.shelter))

            let feed = try f.store.receipts(forSender: StoreFixture.police, after: 0, limit: 10)
            #expect(feed.map(\.signed) == [[1], [2]])
            #expect(feed.allSatisfy { $0.kind == .delivered })
            #expect(try f.store.receipts(forSender: StoreFixture.police, after: feed[0].cursor, limit: 10).map(\.signed) == [[2]])
            #expect(try f.store.receipts(forSender: StoreFixture.shelter, after: 0, limit: 10).isEmpty)
        },

        StoreCheck("aDeliveredReceiptAfterTheDeadLetterSettlesItAsDelivered") { f in
            let message = f.accepted(to: [StoreFixture.shelter])
            let id = message.metadata.id
            _ = try await f.store.commit(message)
            _ = try await f.claim()
            #expect(try await f.store.record(.failed(error: "expired", at: f.start, failedReceipt: [9]), for: id, recipient: StoreFixture.shelter))
            let later = f.start.addingTimeInterval(60)
            #expect(try await f.store.record(.delivered(receipt: [7], at: later), for: id, recipient: StoreFixture.shelter))
            let delivery = try #require(try f.store.deliveries(of: id).first)
            #expect(delivery.state == .delivered && delivery.receipt == [7])
            #expect(try f.store.receipts(forSender: StoreFixture.police, after: 0, limit: 10).map(\.kind) == [.failed, .delivered])
            #expect(try f.store.deadLetters(limit: 10).isEmpty)
            let last = try JSONValue(parsing: try #require(try f.store.ledgerEntries(from: 0, count: 100).last).leaf)
            #expect(last["kind"]?.stringValue == "delivery.delivered" && last["data"]?["after_dead_letter"] == true)
        },
    ]
}
