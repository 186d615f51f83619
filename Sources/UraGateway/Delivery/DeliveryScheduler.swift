import Foundation
import Synchronization
import UraCrypto
import UraModel
import UraStore

/// Moves push deliveries through their states: claims what is due (at most `perRecipient` in
/// flight per agency, `concurrency` in all), hands each to the transport, and records the outcome —
/// delivered when the agency's receipt checks out, else a retry with backoff, else (expired or
/// attempts exhausted) a dead letter with a gateway-signed failed receipt for the sender.
///
/// `runOnce()` is one pass; tests call it after moving their clock. The daemon calls `run()`,
/// which repeats it, sleeping until the next delivery is due or a new message wakes it.
public final class DeliveryScheduler: Sendable {
    let store: any Store
    let transport: any DeliveryTransport
    let directory: DirectoryBook
    let verifier: ReceiptVerifier
    let signer: GatewaySigner
    let clock: any WallClock
    let settings: DeliverySettings
    let events: GatewayEvents
    private let random: Mutex<any RandomNumberGenerator & Sendable>
    private let wake = WakeSignal()

    public init(store: any Store, transport: any DeliveryTransport, directory: DirectoryBook, signer: GatewaySigner,
                clock: any WallClock, settings: DeliverySettings = DeliverySettings(), events: GatewayEvents,
                random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()) {
        self.store = store
        self.transport = transport
        self.directory = directory
        self.verifier = ReceiptVerifier(directory: directory, clock: clock)
        self.signer = signer
        self.clock = clock
        self.settings = settings
        self.events = events
        self.random = Mutex(random)
    }

    /// Wakes a sleeping `run()` (a new message was accepted).
    public func wakeUp() { wake.signal() }

    /// One pass: returns expired leases to the queue, claims and attempts everything due now, then
    /// ends the open deliveries on either channel whose window has closed — a pull agency that
    /// stops fetching its inbox gets no attempts, so only this sweep tells its sender.
    /// Returns how many deliveries were attempted.
    @discardableResult
    public func runOnce() async -> Int {
        let now = clock.now
        do {
            _ = try await store.releaseExpiredLeases(now: now)
            let jobs = try await store.claimDue(ClaimRequest(
                channel: .push, now: now, limit: settings.concurrency, perRecipientLimit: settings.perRecipient,
                leaseUntil: now.addingTimeInterval(settings.lease.seconds)))
            await withTaskGroup(of: Void.self) { group in
                for job in jobs { group.addTask { await self.attempt(job) } }
            }
            for expired in try store.expiredDeliveries(now: now, limit: settings.concurrency) {
                let how = expired.channel == .pull ? "fetched and acknowledged" : "delivered"
                await giveUp(message: expired.message, recipient: expired.recipient, digest: expired.digest,
                             reason: "the message expired at \(RFC3339.string(from: expired.deliverUntil)) before \(expired.recipient) \(how) it")
            }
            return jobs.count
        } catch {
            events.log.error("delivery.store_failed", ["error": .string("\(error)")])
            return 0
        }
    }

    /// Runs passes until the task is cancelled. A wake-up (every accepted message with a push
    /// recipient) costs one read, which also sets the wait, when no push delivery is due: a pass
    /// (two write transactions) runs only when something is due, or every `idlePoll` to return
    /// expired leases. Otherwise the passes would take the single writer from intake at every
    /// commit, halving what the gateway accepts.
    public func run() async {
        var lastPass = Date.distantPast
        while !Task.isCancelled {
            let now = clock.now
            var due = (try? store.nextDueTime(channel: .push)).flatMap { $0 }
            if due.map({ $0 <= now }) == true || now.timeIntervalSince(lastPass) >= settings.idlePoll.seconds {
                let attempted = await runOnce()
                lastPass = now
                if attempted >= settings.concurrency { continue }
                due = (try? store.nextDueTime(channel: .push)).flatMap { $0 }  // the pass changed it
            }
            let next = due ?? clock.now.addingTimeInterval(settings.idlePoll.seconds)
            let wait = min(max(next.timeIntervalSince(clock.now), 0.001), settings.idlePoll.seconds)
            await wake.wait(timeout: .milliseconds(Int(wait * 1000)))
        }
    }

    private func attempt(_ job: DeliveryJob) async {
        let snapshot = directory.snapshot
        let now = clock.now
        guard now < job.deliverUntil else {
            await giveUp(job, reason: "the message expired at \(RFC3339.string(from: job.deliverUntil)) before it could be delivered")
            return
        }
        guard let agency = snapshot[job.recipient], agency.status == .active else {
            await giveUp(job, reason: "\(job.recipient) is no longer an active agency of the directory")
            return
        }
        let failure: String
        do {
            let receipt = try await transport.deliver(job, to: agency)
            do {
                _ = try verifier.verifyDelivered(receipt, message: job.message, digest: job.digest, recipient: job.recipient)
                let at = clock.now
                guard await recordDelivered(job, receipt: receipt, at: at) else { return }
                events.metrics.increment("ura_deliveries_total", ["delivered"])
                events.metrics.observe("ura_delivery_seconds", [], at.timeIntervalSince(job.acceptedAt))
                events.log.info("delivery.delivered", ["id": .id(job.message), "to": .id(job.recipient), "attempt": .int(job.attempt)])
                return
            } catch {
                failure = "the push endpoint answered with an invalid receipt: \(error.detail)"
            }
        } catch {
            failure = error.reason
        }
        await retryOrGiveUp(job, reason: failure)
    }

    /// The agency has the message: a store that cannot record it never turns that into a failure.
    /// The delivery then stays in flight; when its lease runs out it is pushed and receipted again.
    private func recordDelivered(_ job: DeliveryJob, receipt: [UInt8], at: Date) async -> Bool {
        do {
            try await store.record(.delivered(receipt: receipt, at: at), for: job.message, recipient: job.recipient)
            return true
        } catch {
            events.log.error("delivery.store_failed", ["id": .id(job.message), "to": .id(job.recipient), "error": .string("\(error)")])
            return false
        }
    }

    private func retryOrGiveUp(_ job: DeliveryJob, reason: String) async {
        let now = clock.now
        let decision = random.withLock { generator in
            settings.retry.decision(afterFailedAttempt: job.attempt, now: now, deliverUntil: job.deliverUntil, using: &generator)
        }
        switch decision {
        case .retry(let next):
            do {
                try await store.record(.retry(error: reason, at: now, nextAttempt: next), for: job.message, recipient: job.recipient)
                events.metrics.increment("ura_deliveries_total", ["retry"])
                events.log.warning("delivery.retry", ["id": .id(job.message), "to": .id(job.recipient), "attempt": .int(job.attempt),
                                                      "next": .string(RFC3339.string(from: next)), "error": .string(reason)])
            } catch {
                events.log.error("delivery.store_failed", ["id": .id(job.message), "error": .string("\(error)")])
            }
        case .giveUp(let why):
            await giveUp(job, reason: "\(reason); \(why)")
        }
    }

    /// Ends a delivery: a gateway-signed failed receipt goes to the sender's feed and the delivery
    /// to the dead-letter queue, where an operator can redrive it.
    func giveUp(_ job: DeliveryJob, reason: String) async {
        await giveUp(message: job.message, recipient: job.recipient, digest: job.digest, reason: reason)
    }

    private func giveUp(message: MessageID, recipient: AgencyID, digest: String, reason: String) async {
        let now = clock.now
        do {
            let receipt = try signer.sign(Receipt(kind: .failed, message: message, digest: digest, recipient: recipient,
                                                  at: now, by: signer.id, reason: reason)).serialized()
            // False when the delivery settled meanwhile (its receipt arrived): nothing to report then.
            guard try await store.record(.failed(error: reason, at: now, failedReceipt: receipt), for: message, recipient: recipient) else { return }
            await events.deadLetter(message: message, recipient: recipient, reason: reason)
        } catch {
            events.log.error("delivery.store_failed", ["id": .id(message), "error": .string("\(error)")])
        }
    }

    /// Puts a dead letter back in the queue with a fresh window (an operator's decision, logged
    /// in the ledger with who did it).
    public func redrive(message: MessageID, recipient: AgencyID, by operatorName: String) async throws(Problem) {
        let now = clock.now
        do {
            try await store.redrive(message: message, recipient: recipient, now: now,
                                    until: now.addingTimeInterval(settings.redriveWindow.seconds), by: operatorName)
        } catch {
            switch error {
            case .notFound(let what): throw Problem(.notFound, what)
            case .invalidState(let why): throw Problem(.invalidState, why)
            default: throw Problem(.unavailable, "\(error)")
            }
        }
        events.log.info("delivery.redriven", ["id": .id(message), "to": .id(recipient), "by": .string(operatorName)])
        wakeUp()
    }
}
