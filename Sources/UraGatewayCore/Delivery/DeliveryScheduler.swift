import Foundation
import Synchronization
import UraCrypto
import UraModel
import UraProtocol
import UraStore

/// Moves push deliveries through their states: claims what is due (at most `perRecipient` in
/// flight per agency, `concurrency` in all), hands each to the transport, and records the outcome —
/// delivered when the agency's receipt checks out, else a retry with backoff, else (expired or
/// attempts exhausted) a dead letter with a gateway-signed failed receipt for the sender.
///
/// `runOnce()` is one pass that waits for all its attempts; tests call it after moving their clock.
/// The daemon calls `run()`: passes that wait at most `passWait` for a slow attempt, sleeping
/// between them until the next delivery is due or a new message or a finished attempt wakes it.
public final class DeliveryScheduler: Sendable {
    let store: any Store
    let transport: any DeliveryTransport
    let directory: DirectoryBook
    let verifier: ReceiptVerifier
    let signer: GatewaySigner
    let clock: any WallClock
    let settings: DeliverySettings
    let events: GatewayEvents
    let integrity: MessageIntegrity
    private let random: Mutex<any RandomNumberGenerator & Sendable>
    private let wake = WakeSignal()
    /// Attempts under way in `run()`.
    private let running = Atomic<Int>(0)

    public init(store: any Store, transport: any DeliveryTransport, directory: DirectoryBook, signer: GatewaySigner,
                clock: any WallClock, settings: DeliverySettings = DeliverySettings(), events: GatewayEvents,
                random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator(), integrity: MessageIntegrity? = nil,
                receiptSkew: Duration = IntakeSettings().clockSkew) {
        self.store = store
        self.integrity = integrity ?? MessageIntegrity(store: store, events: events)
        self.transport = transport
        self.directory = directory
        self.verifier = ReceiptVerifier(directory: directory, clock: clock, skew: receiptSkew)
        self.signer = signer
        self.clock = clock
        self.settings = settings
        self.events = events
        self.random = Mutex(random)
    }

    /// Wakes a sleeping `run()` (a new message was accepted).
    public func wakeUp() { wake.signal() }

    /// One pass: returns expired leases, claims and attempts everything due now and waits for
    /// those attempts, then ends the open deliveries whose window has closed. Tests call it after
    /// moving their clock; returns how many deliveries were attempted.
    @discardableResult
    public func runOnce() async -> Int {
        await returnExpiredLeases()
        let jobs = await claim(limit: settings.concurrency)
        await withTaskGroup(of: Void.self) { group in
            for job in jobs { group.addTask { await self.attempt(job) } }
        }
        await endExpired()
        return jobs.count
    }

    /// Runs until the task is cancelled, in passes: claim what is due (up to the free slots), start
    /// those attempts, and wait for them — but no longer than `passWait`. A pass's attempts finish
    /// together in the usual case, so their receipts share the store's commits, and the next pass
    /// claims once; an agency whose endpoint takes its whole timeout keeps only its own slots (at
    /// most `perRecipient`) and no longer holds every other agency's deliveries until it answers.
    ///
    /// Between passes the loop waits for a new message, a finished straggler or the next due
    /// time. Returning expired leases and ending expired deliveries happen every `idlePoll`. A
    /// wake-up costs one read when nothing is due, so the store's single writer stays with intake
    /// (a pass at every commit would halve it).
    public func run() async {
        await withDiscardingTaskGroup { group in
            var lastHousekeeping = Date.distantPast
            while !Task.isCancelled {
                if clock.now.timeIntervalSince(lastHousekeeping) >= settings.idlePoll.seconds {
                    lastHousekeeping = clock.now
                    await returnExpiredLeases()
                    await endExpired()
                }
                let free = settings.concurrency - running.load(ordering: .acquiring)
                var due = (try? store.nextDueTime(channel: .push)).flatMap { $0 }
                var blocked = free <= 0  // then a finished attempt signals
                if !blocked, let when = due, when <= clock.now {
                    let jobs = await claim(limit: free)
                    let pass = PassProgress(jobs.count)
                    for job in jobs {
                        running.add(1, ordering: .relaxed)
                        group.addTask {
                            await self.attempt(job)
                            self.running.subtract(1, ordering: .releasing)
                            pass.finishedOne()
                            self.wake.signal()
                        }
                    }
                    if !jobs.isEmpty { await pass.wait(timeout: settings.passWait) }
                    if jobs.count == free { continue }  // there may be more due
                    // What is still due waits for a slot of its agency: a finished attempt signals.
                    due = (try? store.nextDueTime(channel: .push)).flatMap { $0 }
                    blocked = due.map { $0 <= clock.now } ?? false
                }
                let untilHousekeeping = settings.idlePoll.seconds - clock.now.timeIntervalSince(lastHousekeeping)
                let untilDue = blocked ? untilHousekeeping : due.map { $0.timeIntervalSince(clock.now) } ?? untilHousekeeping
                let wait = min(max(min(untilDue, untilHousekeeping), 0.001), settings.idlePoll.seconds)
                await wake.wait(timeout: .milliseconds(Int(wait * 1000)))
            }
        }
    }

    private func returnExpiredLeases() async {
        do { _ = try await store.releaseExpiredLeases(now: clock.now) } catch {
            events.log.error("delivery.store_failed", ["error": .string("\(error)")])
        }
    }

    /// Claims up to `limit` due push deliveries (none when the store fails: logged).
    private func claim(limit: Int) async -> [DeliveryJob] {
        let now = clock.now
        do {
            return try await store.claimDue(ClaimRequest(
                channel: .push, now: now, limit: limit, perRecipientLimit: settings.perRecipient,
                leaseUntil: now.addingTimeInterval(settings.lease.seconds)))
        } catch {
            events.log.error("delivery.store_failed", ["error": .string("\(error)")])
            return []
        }
    }

    /// Ends open deliveries of either channel past their window with a failed receipt — a pull
    /// agency that stops fetching its inbox gets no attempts, so only this sweep tells its sender.
    private func endExpired() async {
        do {
            // Batch after batch while they come full (a pull agency's whole backlog may expire at
            // once), with a bound so that a store refusing the writes cannot hold the loop.
            for _ in 0..<64 {
                let batch = try store.expiredDeliveries(now: clock.now, limit: settings.concurrency)
                for expired in batch {
                    let how = expired.channel == .pull ? "fetched and acknowledged" : "delivered"
                    guard await giveUp(message: expired.message, recipient: expired.recipient, digest: expired.digest,
                                       reason: "the message expired at \(RFC3339.string(from: expired.deliverUntil)) before \(expired.recipient) \(how) it")
                    else { return }  // the store failed (logged): the next round tries again
                }
                if batch.count < settings.concurrency { break }
            }
        } catch {
            events.log.error("delivery.store_failed", ["error": .string("\(error)")])
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
        if let reason = integrity.check(job) {
            // Never pushed: retried with backoff (a repaired store delivers it), a dead letter at the end.
            await retryOrGiveUp(job, reason: "the gateway withheld it: \(reason)")
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
                events.delivered(message: job.message, recipient: job.recipient, receipt: receipt)
                return
            } catch {
                failure = "the push endpoint answered with an invalid receipt: \(error.detail)"
            }
        } catch {
            if error.isFinal {
                await giveUp(job, reason: error.reason)
                return
            }
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

    /// False when the store failed (logged).
    @discardableResult
    private func giveUp(message: MessageID, recipient: AgencyID, digest: String, reason: String) async -> Bool {
        let now = clock.now
        do {
            let receipt = try signer.sign(Receipt(kind: .failed, message: message, digest: digest, recipient: recipient,
                                                  at: now, by: signer.id, reason: reason)).serialized()
            // False when the delivery settled meanwhile (its receipt arrived): nothing to report then.
            guard try await store.record(.failed(error: reason, at: now, failedReceipt: receipt), for: message, recipient: recipient) else { return true }
            await events.deadLetter(message: message, recipient: recipient, reason: reason)
            return true
        } catch {
            events.log.error("delivery.store_failed", ["id": .id(message), "error": .string("\(error)")])
            return false
        }
    }

    /// Puts a dead letter back in the queue with a fresh window (an operator's decision, logged
    /// in the ledger with who did it).
    public func redrive(message: MessageID, recipient: AgencyID, by operatorName: String) async throws(GatewayError) {
        let now = clock.now
        do {
            try await store.redrive(message: message, recipient: recipient, now: now,
                                    until: now.addingTimeInterval(settings.redriveWindow.seconds), by: operatorName)
        } catch {
            switch error {
            case .notFound(let what): throw GatewayError(.notFound, what)
            case .invalidState(let why): throw GatewayError(.invalidState, why)
            default: throw GatewayError(.unavailable, "\(error)")
            }
        }
        events.log.info("delivery.redriven", ["id": .id(message), "to": .id(recipient), "by": .string(operatorName)])
        wakeUp()
    }
}

/// The attempts of one pass of `DeliveryScheduler.run()`: the pass waits until the last finishes.
private final class PassProgress: Sendable {
    private let remaining: Atomic<Int>
    private let done = WakeSignal()

    init(_ count: Int) { remaining = Atomic(count) }

    func finishedOne() {
        if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { done.signal() }
    }

    /// Returns when every attempt finished, after `timeout`, or when the task is cancelled.
    func wait(timeout: Duration) async { await done.wait(timeout: timeout) }
}
