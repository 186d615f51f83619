import Foundation
import Testing

extension StoreConformance {
    /// Retention: only settled messages lose their bodies; metadata and receipts stay.
    public static let retention: [StoreCheck] = [
        StoreCheck("purgeDropsBodiesOfSettledMessagesOnly") { f in
            let settled = f.accepted(to: [StoreFixture.shelter])
            let open = f.accepted(to: [StoreFixture.shelter])
            _ = try await f.store.commit(settled)
            _ = try await f.store.commit(open)
            _ = try await f.store.record(.delivered(receipt: [1], at: f.start), for: settled.metadata.id, recipient: StoreFixture.shelter)
            #expect(try await f.store.purgeBodies(settledBefore: f.start, now: f.start) == 0)
            let later = f.start.addingTimeInterval(1)
            #expect(try await f.store.purgeBodies(settledBefore: later, now: later) == 1)
            let purged = try #require(try f.store.message(settled.metadata.id))
            #expect(purged.signedBytes == nil && purged.purgedAt == later && purged.digest == settled.digest)
            #expect(try f.store.message(open.metadata.id)?.signedBytes != nil)
            #expect(try f.store.deliveries(of: settled.metadata.id).first?.receipt == [1])
            #expect(try await f.store.purgeBodies(settledBefore: later, now: later) == 0)
        },
    ]
}
