import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
import UraCrypto
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
@testable import UraProvisioning
@testable import UraStoreSQLite
import UraStore
import UraStoreSQLite
import UraTestTraits

@Suite(.offThePool) struct DeliverySchedulerTests {
    let policy = RetryPolicy(initialDelay: .seconds(2), maximumDelay: .seconds(60), multiplier: 2, maximumAttempts: 5)

    func scheduler(_ f: GatewayFixture, _ transport: ScriptedTransport, perRecipient: Int = 4, seed: UInt64 = 1) -> DeliveryScheduler {
        DeliveryScheduler(store: f.store, transport: transport, directory: f.book, signer: f.signer, clock: f.clock,
                          settings: DeliverySettings(concurrency: 16, perRecipient: perRecipient, retry: policy),
                          events: GatewayEvents(metrics: f.metrics), random: SplitMix64(seed: seed))
    }

    func send(_ f: GatewayFixture, to: [TestAgency]? = nil, lifetime: TimeInterval = 30 * 86_400) async throws -> MessageID {
        let id = MessageID.random()
        _ = try await f.submit(try f.message(from: f.police, to: to ?? [f.shelter], id: id, lifetime: lifetime), as: f.police)
        return id
    }

    func state(_ f: GatewayFixture, _ id: MessageID) throws -> DeliveryRecord { try #require(try f.store.deliveries(of: id).first) }

    @Test func aValidReceiptSettlesTheDeliveryAndReachesTheSender() async throws {
        let f = try GatewayFixture()
        let transport = ScriptedTransport([f.shelter])
        let id = try await send(f)
        #expect(await scheduler(f, transport).runOnce() == 1)
        let delivery = try state(f, id)
        #expect(delivery.state == .delivered && delivery.attempts == 1)
        let feed = try f.store.receipts(forSender: f.police.id, after: 0, limit: 10)
        #expect(feed.map(\.kind) == [.delivered] && feed.first?.signed == delivery.receipt)
        try JWS.parse(try #require(delivery.receipt)).verify(using: f.shelter.signing.publicKey)
        #expect(f.metrics.value("ura_deliveries_total", ["delivered"]) == 1)
    }

    @Test func aReceiptWithTheWrongDigestLeavesTheDeliveryOpen() async throws {
        let f = try GatewayFixture()
        let transport = ScriptedTransport([f.shelter])
        let shelter = f.shelter
        transport.then(.receipt { job in try ScriptedTransport.receipt(for: job, by: shelter, digest: String(repeating: "A", count: 43)) })
        let id = try await send(f)
        await scheduler(f, transport).runOnce()
        let delivery = try state(f, id)
        #expect(delivery.state == .retryScheduled)
        #expect(delivery.lastError?.contains("digest") == true)
        #expect(try f.store.receipts(forSender: f.police.id, after: 0, limit: 10).isEmpty)
    }

    @Test func aReceiptSignedByAnotherAgencyLeavesTheDeliveryOpen() async throws {
        let f = try GatewayFixture()
        let transport = ScriptedTransport([f.shelter])
        let impostor = f.child
        transport.then(.receipt { job in try ScriptedTransport.receipt(for: job, by: impostor) })
        let id = try await send(f)
        await scheduler(f, transport).runOnce()
        let delivery = try state(f, id)
        #expect(delivery.state == .retryScheduled && delivery.lastError?.contains("not a current key of al.shelter.qkpvt") == true)
    }

    /// The shelter has the message and signed for it, but the store cannot record that (here a
    /// trigger refuses the update): the delivery is neither failed nor lost. It stays in flight,
    /// nothing reaches the sender's feed, and once its lease runs out it is pushed again and the
    /// second receipt is recorded.
    @Test func aReceiptTheStoreCannotRecordLeavesTheDeliveryInFlightUntilItsLeaseEnds() async throws {
        let f = try GatewayFixture()
        let transport = ScriptedTransport([f.shelter])
        let s = scheduler(f, transport)
        let id = try await send(f)
        let database = try SQLiteConnection(path: f.directoryURL.appendingPathComponent("ura.sqlite").path)
        defer { database.close() }
        try database.execute("""
            CREATE TRIGGER test_refuse_delivered BEFORE UPDATE OF state ON deliveries WHEN NEW.state = 'delivered'
            BEGIN SELECT RAISE(ABORT, 'injected: the store cannot record this receipt'); END
            """)

        #expect(await s.runOnce() == 1)
        #expect(transport.attempts.withLock { $0.count } == 1)
        #expect(try state(f, id).state == .inFlight)
        #expect(try f.store.receipts(forSender: f.police.id, after: 0, limit: 10).isEmpty)
        #expect(f.metrics.value("ura_deliveries_total", ["delivered"]) == 0)
        #expect(f.metrics.value("ura_deliveries_total", ["retry"]) == 0 && f.metrics.value("ura_deliveries_total", ["failed"]) == 0)

        try database.execute("DROP TRIGGER test_refuse_delivered")
        #expect(await s.runOnce() == 0)  // still leased: not pushed twice at once
        f.clock.set(f.clock.now.addingTimeInterval(DeliverySettings().lease.seconds + 1))
        #expect(await s.runOnce() == 1)
        #expect(transport.attempts.withLock { $0.map(\.attempt) } == [1, 2])
        let delivery = try state(f, id)
        #expect(delivery.state == .delivered && delivery.attempts == 2)
        #expect(try f.store.receipts(forSender: f.police.id, after: 0, limit: 10).map(\.kind) == [.delivered])
    }

    @Test func failuresFollowTheRetryScheduleUnderTheTestClock() async throws {
        let f = try GatewayFixture()
        let transport = ScriptedTransport([f.shelter], default: .fail("HTTP 503 from the shelter"))
        let s = scheduler(f, transport, seed: 99)
        let id = try await send(f)
        // Replay the policy with the same seed to know the schedule the scheduler must follow.
        var replay = SplitMix64(seed: 99)
        for attempt in 1...4 {
            #expect(await s.runOnce() == 1)
            let delivery = try state(f, id)
            guard case .retry(let expected) = policy.decision(afterFailedAttempt: attempt, now: f.clock.now, deliverUntil: delivery.deliverUntil, using: &replay)
            else { Issue.record("the policy gave up early"); return }
            #expect(delivery.state == .retryScheduled && delivery.attempts == attempt && delivery.nextAttemptAt == expected)
            // Nothing happens before the next attempt is due…
            f.clock.set(expected.addingTimeInterval(-0.001))
            #expect(await s.runOnce() == 0)
            // …and it is attempted once it is.
            f.clock.set(expected)
        }
        // The fifth attempt is the last the policy allows: a dead letter with a failed receipt.
        #expect(await s.runOnce() == 1)
        let dead = try state(f, id)
        #expect(dead.state == .deadLetter && dead.attempts == 5)
        #expect(dead.lastError?.contains("gave up after 5 attempts") == true)
        let feed = try f.store.receipts(forSender: f.police.id, after: 0, limit: 10)
        #expect(feed.map(\.kind) == [.failed])
        let failed = try JWS.parse(try #require(feed.first?.signed))
        try failed.verify(using: f.signer.key.publicKey)
        #expect(try JSONDecoder().decode(Receipt.self, from: Data(failed.payload)).reason?.contains("HTTP 503") == true)
        #expect(transport.attempts.withLock { $0.map(\.attempt) } == [1, 2, 3, 4, 5])
    }

    @Test func anExpiredMessageBecomesADeadLetterWithoutAnotherAttempt() async throws {
        let f = try GatewayFixture()
        let transport = ScriptedTransport([f.shelter], default: .fail("connection refused"))
        let s = scheduler(f, transport)
        let id = try await send(f, lifetime: 10)
        await s.runOnce()
        #expect(try state(f, id).state == .retryScheduled || (try state(f, id)).state == .deadLetter)
        f.clock.advance(by: .seconds(3600))
        await s.runOnce()
        let dead = try state(f, id)
        #expect(dead.state == .deadLetter)
        #expect(dead.lastError?.contains("expire") == true)
    }

    @Test func pullDeliveriesThatExpireUnfetchedOrUnacknowledgedTellTheSender() async throws {
        let f = try GatewayFixture()
        let s = scheduler(f, ScriptedTransport([f.shelter]))
        let unacknowledged = try await send(f, to: [f.secretariat], lifetime: 600)
        let fetched = try await f.store.claimInbox(recipient: f.secretariat.id, now: f.clock.now, limit: 10,
                                                   maxBytes: .max, leaseUntil: f.clock.now.addingTimeInterval(60))
        #expect(fetched.map(\.message) == [unacknowledged])
        let unfetched = try await send(f, to: [f.secretariat], lifetime: 600)
        await s.runOnce()
        #expect(try state(f, unacknowledged).state == .inFlight && state(f, unfetched).state == .pending)

        f.clock.advance(by: .seconds(600))
        #expect(try await f.store.claimInbox(recipient: f.secretariat.id, now: f.clock.now, limit: 10,
                                             maxBytes: .max, leaseUntil: f.clock.now.addingTimeInterval(60)).isEmpty)
        await s.runOnce()
        for id in [unfetched, unacknowledged] {
            let dead = try state(f, id)
            #expect(dead.state == .deadLetter)
            #expect(dead.lastError?.contains("before al.mpb.secretariat fetched and acknowledged it") == true)
        }
        let feed = try f.store.receipts(forSender: f.police.id, after: 0, limit: 10)
        #expect(feed.map(\.kind) == [.failed, .failed])
        for receipt in feed {
            let failed = try JWS.parse(receipt.signed)
            try failed.verify(using: f.signer.key.publicKey)
            #expect(try JSONDecoder().decode(Receipt.self, from: Data(failed.payload)).recipient == f.secretariat.id)
        }
        await s.runOnce()
        #expect(try f.store.receipts(forSender: f.police.id, after: 0, limit: 10).count == 2)
    }

    @Test func aDeadLetterCanBeRedrivenAndThenDelivered() async throws {
        let f = try GatewayFixture()
        let transport = ScriptedTransport([f.shelter], default: .fail("TLS: certificate expired"))
        let s = scheduler(f, transport)
        let id = try await send(f, lifetime: 1)
        f.clock.advance(by: .seconds(2))
        await s.runOnce()
        #expect(try state(f, id).state == .deadLetter)

        transport.always(.deliver)
        try await s.redrive(message: id, recipient: f.shelter.id, by: "secretariat operator")
        #expect(try state(f, id).state == .pending)
        await s.runOnce()
        #expect(try state(f, id).state == .delivered)
        #expect(try f.store.receipts(forSender: f.police.id, after: 0, limit: 10).map(\.kind) == [.failed, .delivered])
        await #expect(throws: GatewayError.self) { try await s.redrive(message: id, recipient: f.shelter.id, by: "op") }
    }

    @Test func noMoreThanTheLimitIsInFlightToOneAgency() async throws {
        let f = try GatewayFixture()
        let transport = ScriptedTransport([f.shelter])
        for _ in 0..<6 { _ = try await send(f) }
        let s = scheduler(f, transport, perRecipient: 2)
        #expect(await s.runOnce() == 2)
        #expect(transport.peakConcurrency <= 2)
        #expect(await s.runOnce() == 2)
        #expect(await s.runOnce() == 2)
        #expect(await s.runOnce() == 0)
    }

    /// The daemon's loop: an endpoint that hangs holds its own slot, not the next delivery.
    @Test func aHangingDeliveryDoesNotHoldTheNextOne() async throws {
        let f = try GatewayFixture()
        let transport = ScriptedTransport([f.shelter])
        transport.then(.hold)
        let first = try await send(f)
        let s = scheduler(f, transport)
        let loop = Task { await s.run() }
        #expect(await eventually { transport.holding == 1 })
        let second = try await send(f)
        s.wakeUp()
        #expect(await eventually { (try? state(f, second).state) == .delivered })
        #expect(try state(f, first).state == .inFlight)
        transport.releaseHeld()
        #expect(await eventually { (try? state(f, first).state) == .delivered })
        loop.cancel()
        await loop.value
    }
}
