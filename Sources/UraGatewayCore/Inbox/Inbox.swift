import Foundation
import UraModel
import UraProtocol
import UraStore

/// The inbox of a pull-mode agency: it fetches its messages (waiting up to `wait` when there are
/// none — a long poll), and acknowledges each with its own signed delivered receipt. A fetched
/// message is leased to the agency for `lease`; without an acknowledgement it becomes fetchable
/// again, so a crash between fetch and acknowledge loses nothing.
public final class Inbox: Sendable {
    public struct Settings: Sendable, Equatable {
        public var lease: Duration
        public var maxWait: Duration
        public var maxBatch: Int
        /// A fetch stops adding messages past this many bytes (one message always comes, whatever
        /// its size), so an answer stays a few megabytes, not `maxBatch` × the largest message.
        public var maxBatchBytes: Int
        public init(lease: Duration = .seconds(300), maxWait: Duration = .seconds(60), maxBatch: Int = 100, maxBatchBytes: Int = 16 << 20) {
            self.lease = lease
            self.maxWait = maxWait
            self.maxBatch = maxBatch
            self.maxBatchBytes = maxBatchBytes
        }
    }

    let store: any Store
    let verifier: ReceiptVerifier
    let clock: any WallClock
    let settings: Settings
    let events: GatewayEvents
    let integrity: MessageIntegrity
    private let waiters = InboxWaiters()

    public init(store: any Store, directory: DirectoryBook, clock: any WallClock, settings: Settings = Settings(), events: GatewayEvents,
                integrity: MessageIntegrity? = nil, receiptSkew: Duration = IntakeSettings().clockSkew) {
        self.store = store
        self.integrity = integrity ?? MessageIntegrity(store: store, events: events)
        self.verifier = ReceiptVerifier(directory: directory, clock: clock, skew: receiptSkew)
        self.clock = clock
        self.settings = settings
        self.events = events
    }

    /// Wakes the long polls of these agencies (new messages for them were committed).
    public func notify(_ agencies: [AgencyID]) { waiters.notify(agencies) }

    /// Up to `limit` messages for `agency`, waiting up to `wait` (capped) for one to arrive.
    public func fetch(for agency: AgencyID, limit: Int, wait: Duration) async throws(GatewayError) -> [DeliveryJob] {
        let limit = max(1, min(limit, settings.maxBatch))
        let wait = min(max(wait, .zero), settings.maxWait)
        events.metrics.increment("ura_inbox_polls_total")
        do {
            try await store.recordPoll(by: agency, at: clock.now)
            let ticket = waiters.ticket(for: agency)
            var jobs = try await claim(agency, limit: limit)
            if jobs.isEmpty && wait > .zero {
                await waiters.wait(for: agency, since: ticket, timeout: wait)
                jobs = try await claim(agency, limit: limit)
            }
            return jobs
        } catch {
            throw GatewayError(.unavailable, "the inbox could not be read (\(error)); try again")
        }
    }

    /// Claims what is due, withholding each message whose bytes or row no longer match what the
    /// gateway signed and recorded (`MessageIntegrity`): it goes back to the queue with the reason
    /// as its last error and is tried again after a lease, so a repaired store delivers it.
    private func claim(_ agency: AgencyID, limit: Int) async throws(StoreError) -> [DeliveryJob] {
        let now = clock.now
        let leaseUntil = now.addingTimeInterval(settings.lease.seconds)
        var jobs = try await store.claimInbox(recipient: agency, now: now, limit: limit, maxBytes: settings.maxBatchBytes, leaseUntil: leaseUntil)
        for (i, job) in jobs.enumerated().reversed() {
            guard let reason = integrity.check(job) else { continue }
            jobs.remove(at: i)
            try await store.record(.retry(error: "the gateway withheld it: \(reason)", at: now, nextAttempt: leaseUntil),
                                   for: job.message, recipient: agency)
        }
        return jobs
    }

    /// Settles `message` for `agency` with its signed delivered receipt. Acknowledging twice with a
    /// valid receipt is harmless; a receipt that does not check out is refused, the first time and
    /// every time after, and an unsettled message stays in the inbox.
    public func acknowledge(message: MessageID, by agency: AgencyID, receipt: [UInt8]) async throws(GatewayError) {
        let stored: StoredMessage?
        let deliveries: [DeliveryRecord]
        do {
            stored = try store.message(message)
            deliveries = try store.deliveries(of: message)
        } catch {
            throw GatewayError(.unavailable, "\(error)")
        }
        guard let stored, let delivery = deliveries.first(where: { $0.recipient == agency }) else {
            throw GatewayError(.notFound, "there is no message \(message) for \(agency)")
        }
        // A repeated acknowledgement is checked like the first: a wrong digest, key or kind is
        // refused, not ignored because the delivery is already settled.
        _ = try verifier.verifyDelivered(receipt, message: message, digest: stored.digest, recipient: agency)
        if delivery.state == .delivered { return }
        let at = clock.now
        do {
            try await store.record(.delivered(receipt: receipt, at: at), for: message, recipient: agency)
        } catch {
            throw GatewayError(.unavailable, "the acknowledgement could not be stored (\(error)); send it again")
        }
        events.metrics.increment("ura_deliveries_total", ["delivered"])
        events.metrics.observe("ura_delivery_seconds", [], at.timeIntervalSince(stored.acceptedAt))
        events.log.info("delivery.delivered", ["id": .id(message), "to": .id(agency), "via": "inbox"])
        events.delivered(message: message, recipient: agency, receipt: receipt)
    }
}
