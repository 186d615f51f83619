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
import UraModel
import UraProtocol
@testable import UraProvisioning
@testable import UraStoreSQLite
import UraStore
import UraStoreSQLite
import UraTestTraits

@Suite(.offThePool) struct InboxTests {
    func inbox(_ f: GatewayFixture) -> Inbox {
        Inbox(store: f.store, directory: f.book, clock: f.clock, settings: .init(lease: .seconds(300), maxWait: .seconds(30)),
              events: GatewayEvents(metrics: f.metrics))
    }

    @Test func aPullAgencyFetchesAndAcknowledges() async throws {
        let f = try GatewayFixture()
        let inbox = inbox(f)
        let bytes = try f.message(from: f.police, to: [f.secretariat])
        let sent = try await f.submit(bytes, as: f.police)
        let jobs = try await inbox.fetch(for: f.secretariat.id, limit: 10, wait: .zero)
        #expect(jobs.map(\.message) == [sent.messageID] && jobs.first?.signedBytes == bytes)
        // Leased: a second fetch does not hand it out again.
        #expect(try await inbox.fetch(for: f.secretariat.id, limit: 10, wait: .zero).isEmpty)

        let receipt = try ScriptedTransport.receipt(for: try #require(jobs.first), by: f.secretariat)
        try await inbox.acknowledge(message: sent.messageID, by: f.secretariat.id, receipt: receipt)
        #expect(try f.store.deliveries(of: sent.messageID).first?.state == .delivered)
        try await inbox.acknowledge(message: sent.messageID, by: f.secretariat.id, receipt: receipt)  // harmless twice
        #expect(try f.store.receipts(forSender: f.police.id, after: 0, limit: 10).count == 1)
        #expect(try f.store.agencyHealth().first { $0.agency == f.secretariat.id }?.lastSeenAt == f.clock.now)
    }

    @Test func anUnacknowledgedMessageComesBackAfterItsLease() async throws {
        let f = try GatewayFixture()
        let inbox = inbox(f)
        _ = try await f.submit(try f.message(from: f.police, to: [f.secretariat]), as: f.police)
        #expect(try await inbox.fetch(for: f.secretariat.id, limit: 10, wait: .zero).count == 1)
        f.clock.advance(by: .seconds(301))
        _ = try await f.store.releaseExpiredLeases(now: f.clock.now)
        let again = try await inbox.fetch(for: f.secretariat.id, limit: 10, wait: .zero)
        #expect(again.first?.attempt == 2)
    }

    /// An acknowledgement the store cannot record is answered "unavailable, send it again" (503),
    /// never as accepted: the message stays leased to the agency, nothing reaches the sender's
    /// feed, and the same receipt sent again once the store can write settles it.
    @Test func anAcknowledgementTheStoreCannotRecordIsRefusedAndCanBeSentAgain() async throws {
        let f = try GatewayFixture()
        let inbox = inbox(f)
        let sent = try await f.submit(try f.message(from: f.police, to: [f.secretariat]), as: f.police)
        let job = try #require(try await inbox.fetch(for: f.secretariat.id, limit: 1, wait: .zero).first)
        let receipt = try ScriptedTransport.receipt(for: job, by: f.secretariat)
        let database = try SQLiteConnection(path: f.directoryURL.appendingPathComponent("ura.sqlite").path)
        defer { database.close() }
        try database.execute("""
            CREATE TRIGGER test_refuse_delivered BEFORE UPDATE OF state ON deliveries WHEN NEW.state = 'delivered'
            BEGIN SELECT RAISE(ABORT, 'injected: the store cannot record this receipt'); END
            """)

        await #expect { try await inbox.acknowledge(message: sent.messageID, by: f.secretariat.id, receipt: receipt) } throws: {
            guard let problem = $0 as? GatewayError else { return false }
            return problem.type == .unavailable && problem.detail.contains("send it again")
        }
        #expect(try f.store.deliveries(of: sent.messageID).first?.state == .inFlight)
        #expect(try f.store.receipts(forSender: f.police.id, after: 0, limit: 10).isEmpty)
        #expect(f.metrics.value("ura_deliveries_total", ["delivered"]) == 0)

        try database.execute("DROP TRIGGER test_refuse_delivered")
        try await inbox.acknowledge(message: sent.messageID, by: f.secretariat.id, receipt: receipt)
        #expect(try f.store.deliveries(of: sent.messageID).first?.state == .delivered)
        #expect(try f.store.receipts(forSender: f.police.id, after: 0, limit: 10).map(\.kind) == [.delivered])
    }

    @Test func badAcknowledgementsAreRefusedAndTheMessageStays() async throws {
        let f = try GatewayFixture()
        let inbox = inbox(f)
        let sent = try await f.submit(try f.message(from: f.police, to: [f.secretariat]), as: f.police)
        let job = try #require(try await inbox.fetch(for: f.secretariat.id, limit: 1, wait: .zero).first)
        let wrongDigest = try ScriptedTransport.receipt(for: job, by: f.secretariat, digest: String(repeating: "B", count: 43))
        await #expect { try await inbox.acknowledge(message: sent.messageID, by: f.secretariat.id, receipt: wrongDigest) } throws: {
            ($0 as? GatewayError)?.type == .invalidReceipt
        }
        let wrongSigner = try ScriptedTransport.receipt(for: job, by: f.child)
        await #expect { try await inbox.acknowledge(message: sent.messageID, by: f.secretariat.id, receipt: wrongSigner) } throws: {
            ($0 as? GatewayError)?.detail.contains("not a current key of al.mpb.secretariat") == true
        }
        await #expect { try await inbox.acknowledge(message: sent.messageID, by: f.child.id, receipt: wrongSigner) } throws: {
            ($0 as? GatewayError)?.type == .notFound
        }
        await #expect { try await inbox.acknowledge(message: .random(), by: f.secretariat.id, receipt: wrongSigner) } throws: {
            ($0 as? GatewayError)?.type == .notFound
        }
        #expect(try f.store.deliveries(of: sent.messageID).first?.state == .inFlight)
    }

    /// A receipt from the future is refused, and a second acknowledgement is checked like the
    /// first: once delivered, a wrong digest, another signer or another kind is still refused.
    @Test func aReceiptFromTheFutureAndABadSecondAcknowledgementAreRefused() async throws {
        let f = try GatewayFixture()
        let inbox = inbox(f)
        let sent = try await f.submit(try f.message(from: f.police, to: [f.secretariat]), as: f.police)
        let job = try #require(try await inbox.fetch(for: f.secretariat.id, limit: 1, wait: .zero).first)
        let early = try ScriptedTransport.receipt(for: job, by: f.secretariat, at: f.clock.now.addingTimeInterval(3600))
        await #expect { try await inbox.acknowledge(message: sent.messageID, by: f.secretariat.id, receipt: early) } throws: {
            ($0 as? GatewayError)?.type == .invalidReceipt && ($0 as? GatewayError)?.detail.contains("after the gateway's time") == true
        }
        #expect(try f.store.deliveries(of: sent.messageID).first?.state == .inFlight)

        try await inbox.acknowledge(message: sent.messageID, by: f.secretariat.id, receipt: try ScriptedTransport.receipt(for: job, by: f.secretariat))
        #expect(try f.store.deliveries(of: sent.messageID).first?.state == .delivered)
        // The same valid receipt again is harmless.
        try await inbox.acknowledge(message: sent.messageID, by: f.secretariat.id, receipt: try ScriptedTransport.receipt(for: job, by: f.secretariat))
        for bad in [try ScriptedTransport.receipt(for: job, by: f.secretariat, digest: String(repeating: "C", count: 43)),
                    try ScriptedTransport.receipt(for: job, by: f.child),
                    try ScriptedTransport.receipt(for: job, by: f.secretariat, kind: .accepted)] {
            await #expect { try await inbox.acknowledge(message: sent.messageID, by: f.secretariat.id, receipt: bad) } throws: {
                ($0 as? GatewayError)?.type == .invalidReceipt
            }
        }
    }

    /// The bound on a receipt's time is the gateway's configured clock skew, not a fixed default.
    @Test func aGatewayThatAllowsMoreSkewTakesAReceiptThatFarAhead() async throws {
        let f = try GatewayFixture()
        var settings = Gateway.Settings()
        settings.intake.clockSkew = .seconds(900)
        let gateway = Gateway(store: f.store, directory: f.book, catalogue: f.catalogue, signer: f.signer,
                              transport: ScriptedTransport([], default: .fail("unused")), clock: f.clock, calendar: f.calendar,
                              settings: settings, events: GatewayEvents(metrics: f.metrics))
        let sent = try await gateway.intake.submit(try f.message(from: f.police, to: [f.secretariat]), from: f.police.id)
        let job = try #require(try await gateway.inbox.fetch(for: f.secretariat.id, limit: 1, wait: .zero).first)
        let tenMinutesAhead = try ScriptedTransport.receipt(for: job, by: f.secretariat, at: f.clock.now.addingTimeInterval(600))
        try await gateway.inbox.acknowledge(message: sent.messageID, by: f.secretariat.id, receipt: tenMinutesAhead)
        #expect(try f.store.deliveries(of: sent.messageID).first?.state == .delivered)
    }

    @Test(.timeLimit(.minutes(1))) func aLongPollReturnsAsSoonAsAMessageArrives() async throws {
        let f = try GatewayFixture()
        let inbox = inbox(f)
        f.intake.events.setHooks { $0.wakeInbox = { inbox.notify($0) } }
        let poll = Task { try await inbox.fetch(for: f.secretariat.id, limit: 10, wait: .seconds(600)) }
        // Submit once the poll has started; whether it is already waiting or still looking at the
        // store, the ticket it took makes it return at once (else it would wait out the 10-minute poll and hit the time limit).
        while try f.store.agencyHealth().first(where: { $0.agency == f.secretariat.id })?.lastSeenAt == nil { await Task.yield() }
        let sent = try await f.submit(try f.message(from: f.police, to: [f.secretariat]), as: f.police)
        let jobs = try await poll.value
        #expect(jobs.map(\.message) == [sent.messageID])
    }
}
