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
import UraStore
import UraStoreSQLite
import UraTestTraits

@Suite(.offThePool) struct DeadlineWatcherTests {
    func watcher(_ f: GatewayFixture) -> DeadlineWatcher {
        let events = GatewayEvents(metrics: f.metrics)
        return DeadlineWatcher(store: f.store, notices: NoticeSender(store: f.store, directory: f.book, signer: f.signer, clock: f.clock, events: events),
                               clock: f.clock, events: events)
    }

    /// A formal interview with a child (B1) from the police: its status decision is due the same day.
    func sendInterview(_ f: GatewayFixture) async throws -> MessageID {
        try await f.store.recordDeclaration(DeclarationRecord(id: "d", caseReference: CaseReference("AL-2026-000042"), role: .interviewer,
                                                              agency: f.police.id, declaredOn: "2026-11-24", formDigest: "x", encryptedName: [1],
                                                              recordedAt: f.clock.now))
        return try await f.submit(try f.message(from: f.police, to: [f.secretariat], type: "identification.formal-interview.child",
                                                subject: .child, participants: [.interviewer]), as: f.police).messageID
    }

    @Test func anOverdueDeadlineIsReportedOnceToTheSecretariatAndTheResponsible() async throws {
        let f = try GatewayFixture()
        _ = try await sendInterview(f)
        let w = watcher(f)
        #expect(await w.runOnce() == 0)
        f.clock.set(RFC3339.date(from: "2026-11-24T15:00:01Z")!)  // 16:00:01 in Tirane
        #expect(await w.runOnce() == 1)
        #expect(await w.runOnce() == 0)
        #expect(f.metrics.value("ura_deadlines_overdue_total", ["identification.formal-interview.child"]) == 1)
        #expect(try f.store.deadlines(forCase: CaseReference("AL-2026-000042")).first?.state == .overdue)

        // The notice sits in the secretariat's inbox, signed by the gateway, readable only with the secretariat's key.
        let inbox = try await f.store.claimInbox(recipient: f.secretariat.id, now: f.clock.now, limit: 10, maxBytes: .max, leaseUntil: f.clock.now.addingTimeInterval(60))
        let notice = try #require(inbox.first { $0.type == DeadlineWatcher.noticeType })
        #expect(notice.sender == f.signer.id)
        let jws = try JWS.parse(notice.signedBytes)
        try jws.verify(using: f.signer.key.publicKey)
        let envelope = try JSONDecoder().decode(Envelope.self, from: Data(jws.payload))
        #expect(Set(envelope.to) == [f.secretariat.id, f.police.id])
        let body = try JSONValue(parsing: try JWE.parse(json: envelope.body).decrypt(with: f.secretariat.encryption).plaintext)
        #expect(body["kind"] == "deadline-overdue" && body["expected"] == ["identification.status-decision"])
        #expect(throws: DecryptionError.self) { try JWE.parse(json: envelope.body).decrypt(with: f.child.encryption) }
    }

    @Test func aFollowUpInTimeMeansNoNotice() async throws {
        let f = try GatewayFixture()
        let interview = try await sendInterview(f)
        f.clock.advance(by: .seconds(3600))
        _ = try await f.submit(try f.message(from: f.police, to: [f.secretariat], type: "identification.status-decision", subject: .child,
                                             inReplyTo: interview), as: f.police)
        f.clock.advance(by: .seconds(86_400))
        #expect(await watcher(f).runOnce() == 0)
        let deadline = try #require(try f.store.deadlines(forCase: CaseReference("AL-2026-000042")).first)
        #expect(deadline.state == .met && !deadline.metLate)
    }

    @Test func retentionPurgesBodiesOnlyAfterTheRetentionPeriod() async throws {
        let f = try GatewayFixture()
        let sent = try await f.submit(try f.message(from: f.police, to: [f.secretariat]), as: f.police)
        let job = try #require(try await f.store.claimInbox(recipient: f.secretariat.id, now: f.clock.now, limit: 1, maxBytes: .max, leaseUntil: f.clock.now).first)
        _ = try await f.store.record(.delivered(receipt: try ScriptedTransport.receipt(for: job, by: f.secretariat), at: f.clock.now),
                                 for: sent.messageID, recipient: f.secretariat.id)
        let retention = RetentionJob(store: f.store, clock: f.clock, keepBodies: .seconds(30 * 86_400), events: GatewayEvents())
        f.clock.advance(by: .seconds(29 * 86_400))
        #expect(await retention.runOnce() == 0)
        f.clock.advance(by: .seconds(2 * 86_400))
        #expect(await retention.runOnce() == 1)
        let purged = try #require(try f.store.message(sent.messageID))
        #expect(purged.signedBytes == nil && purged.acceptedReceipt == sent.receipt)
        #expect(try Ledger(store: f.store, signer: f.signer).verify().isIntact)
    }
}
