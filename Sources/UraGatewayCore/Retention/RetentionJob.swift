import Foundation
import UraModel
import UraProtocol
import UraStore

/// Deletes the encrypted bodies of messages some time after every recipient has a receipt.
/// Metadata, receipts and the ledger stay: the evidence outlives the content.
public struct RetentionJob: Sendable {
    let store: any Store
    let clock: any WallClock
    /// How long a settled message keeps its body.
    public let keepBodies: Duration
    let events: GatewayEvents

    public init(store: any Store, clock: any WallClock, keepBodies: Duration, events: GatewayEvents) {
        self.store = store
        self.clock = clock
        self.keepBodies = keepBodies
        self.events = events
    }

    /// Purges what is due; returns how many bodies were deleted.
    @discardableResult
    public func runOnce() async -> Int {
        let now = clock.now
        do {
            var total = 0
            while true {
                let purged = try await store.purgeBodies(settledBefore: now.addingTimeInterval(-keepBodies.seconds), now: now)
                total += purged
                if purged < 10_000 { break }
            }
            if total > 0 { events.log.info("retention.purged", ["bodies": .int(total)]) }
            return total
        } catch {
            events.log.error("retention.failed", ["error": .string("\(error)")])
            return 0
        }
    }
}
