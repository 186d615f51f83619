import Foundation
import Testing
import UraGatewayTestSupport
import UraCrypto
@testable import UraGatewayCore
import UraJSON
import UraModel
import UraProtocol
@testable import UraStoreSQLite
import UraStore
import UraTestTraits

/// Message rows are bound to the ledger: a row or body changed in the database behind the
/// gateway's back is found by the verification and never served, push or pull.
@Suite(.offThePool) struct MessageBindingTests {
    /// One message from the police to the shelter (push) and the secretariat (pull), not yet
    /// delivered; the store is closed so the test can edit the file.
    func accepted() async throws -> (GatewayFixture, MessageID, SQLiteConnection) {
        let f = try GatewayFixture()
        let sent = try await f.submit(try f.message(from: f.police, to: [f.shelter, f.secretariat], caseReference: "AL-2026-000041"), as: f.police)
        #expect(try Ledger(store: f.store, signer: f.signer).verify().isIntact)
        f.store.close()
        return (f, sent.messageID, try SQLiteConnection(path: f.store.path))
    }

    func report(_ f: GatewayFixture) throws -> LedgerReport {
        try f.reopen()
        return try Ledger(store: f.store, signer: f.signer).verify()
    }

    @Test func changingAStoredMessagesTypeAndCaseIsFoundByTheVerification() async throws {
        let (f, id, db) = try await accepted()
        try db.run("UPDATE messages SET type = 'referral', case_ref = 'AL-2026-000099' WHERE id = ?", [.text(id.rawValue)])
        let r = try report(f)
        #expect(!r.isIntact && r.messages == [id])
        let problem = try #require(r.problems.first?.description)
        #expect(problem.contains("type is \"referral\" in the store but \"notice\" in the ledger"), "\(problem)")
        #expect(problem.contains("case is \"AL-2026-000099\" in the store but \"AL-2026-000041\" in the ledger"), "\(problem)")
    }

    @Test(arguments: [
        ("sender", "'al.police.dvp-closed'", "from is"),
        ("recipients", "'[\"al.shelter.qkpvt\"]'", "to is"),
        ("digest", "'AAAA'", "do not match the digest"),
        ("county", "'durres'", "county is"),
        ("ledger_index", "ledger_index + 1", "names ledger entry"),
    ])
    func changingAnyBoundColumnIsFound(column: String, value: String, expected: String) async throws {
        let (f, id, db) = try await accepted()
        try db.run("UPDATE messages SET \(column) = \(value) WHERE id = ?", [.text(id.rawValue)])
        let r = try report(f)
        #expect(!r.isIntact && r.problems.contains { $0.description.contains(expected) }, "\(column): \(r.problems)")
    }

    @Test func aMessageWhoseBytesWereChangedIsNeitherPushedNorFetched() async throws {
        let (f, id, db) = try await accepted()
        var bytes = try #require(try db.scalar("SELECT jws FROM messages WHERE id = ?", [.text(id.rawValue)])?.bytes)
        // A letter of the payload changed: still JSON, still a JWS, no longer what was accepted.
        let text = String(decoding: bytes, as: UTF8.self)
        let payload = try #require(text.range(of: "\"payload\":\""))
        let at = text.utf8.distance(from: text.startIndex, to: payload.upperBound) + 40
        bytes[at] = bytes[at] == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        try db.run("UPDATE messages SET jws = ? WHERE id = ?", [.blob(bytes), .text(id.rawValue)])
        try f.reopen()

        let r = try Ledger(store: f.store, signer: f.signer).verify()
        #expect(r.messages == [id] && r.problems.contains { $0.description.contains("do not match the digest") }, "\(r.problems)")

        let transport = ScriptedTransport([f.shelter])
        let gateway = f.monitoredGateway(transport: transport)
        await gateway.deliveries.runOnce()
        #expect(transport.attempts.withLock { $0.isEmpty })
        let fetched = try await gateway.inbox.fetch(for: f.secretariat.id, limit: 10, wait: .zero)
        #expect(fetched.isEmpty)
        let deliveries = try f.store.deliveries(of: id)
        #expect(deliveries.count == 2 && deliveries.allSatisfy { $0.state == .retryScheduled && $0.lastError?.contains("withheld") == true }, "\(deliveries)")
        #expect(gateway.integrity.withheld.map(\.message) == [id])
        #expect(gateway.integrity.check(try #require(try f.store.message(id))) != nil)
    }

    @Test func aMessageWhoseRowWasChangedIsNotServedEither() async throws {
        let (f, id, db) = try await accepted()
        try db.run("UPDATE messages SET case_ref = 'AL-2026-000099' WHERE id = ?", [.text(id.rawValue)])
        try f.reopen()
        let gateway = f.monitoredGateway(transport: ScriptedTransport([f.shelter]))
        #expect(try await gateway.inbox.fetch(for: f.secretariat.id, limit: 10, wait: .zero).isEmpty)
        #expect(gateway.integrity.withheld.first?.reason.contains("case is") == true)
    }

    @Test func anUntouchedMessageIsServedAndTheWithholdingEndsOnceRepaired() async throws {
        let (f, id, db) = try await accepted()
        try db.run("UPDATE messages SET type = 'referral' WHERE id = ?", [.text(id.rawValue)])
        try f.reopen()
        let gateway = f.monitoredGateway(transport: ScriptedTransport([f.shelter]))
        #expect(try await gateway.inbox.fetch(for: f.secretariat.id, limit: 10, wait: .zero).isEmpty)
        #expect(gateway.integrity.withheld.count == 1)
        f.store.close()
        try db.run("UPDATE messages SET type = 'notice' WHERE id = ?", [.text(id.rawValue)])
        try f.reopen()
        let repaired = f.monitoredGateway(transport: ScriptedTransport([f.shelter]))
        f.clock.advance(by: .seconds(301))
        #expect(try await repaired.inbox.fetch(for: f.secretariat.id, limit: 10, wait: .zero).map(\.message) == [id])
        #expect(repaired.integrity.withheld.isEmpty)
    }

    @Test func theAcceptedLeafCarriesWhatTheGatewayAsserts() async throws {
        let (f, id, _) = try await accepted()
        try f.reopen()
        let stored = try #require(try f.store.message(id))
        let entry = try #require(try f.store.ledgerEntries(from: stored.ledgerIndex, count: 1).first)
        let leaf = try JSONValue(parsing: entry.leaf)
        #expect(leaf["message"]?.stringValue == id.rawValue && leaf["agency"]?.stringValue == f.police.id.rawValue)
        let data = try #require(leaf["data"]?.objectValue)
        #expect(Set(data.keys) == ["case", "county", "created", "digest", "expires", "participants", "priority", "subject", "to", "type"])
        #expect(MessageBinding.differences(leaf: leaf, metadata: stored.metadata, digest: stored.digest).isEmpty)
    }
}
