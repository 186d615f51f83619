import Foundation
import Synchronization
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

/// Tamper evidence: any change made to the ledger behind the gateway's back is found.
@Suite(.offThePool) struct LedgerTamperTests {
    /// A ledger of some messages and deliveries, closed so the test can edit the file.
    func populated() async throws -> (GatewayFixture, SQLiteConnection) {
        let f = try GatewayFixture()
        let transport = ScriptedTransport([f.shelter])
        let scheduler = DeliveryScheduler(store: f.store, transport: transport, directory: f.book, signer: f.signer, clock: f.clock,
                                          events: GatewayEvents())
        for i in 0..<4 {
            _ = try await f.submit(try f.message(from: f.police, to: [f.shelter, f.secretariat], caseReference: "AL-2026-00004\(i)"), as: f.police)
            if i == 1 { _ = try await Ledger(store: f.store, signer: f.signer).checkpoint(now: f.clock.now) }
        }
        await scheduler.runOnce()
        #expect(try Ledger(store: f.store, signer: f.signer).verify().isIntact)
        f.store.close()
        return (f, try SQLiteConnection(path: f.store.path))
    }

    func report(_ f: GatewayFixture) throws -> LedgerReport {
        try f.reopen()
        return try Ledger(store: f.store, signer: f.signer).verify()
    }

    @Test func anIntactLedgerVerifiesAndSaysSo() async throws {
        let (f, _) = try await populated()
        let r = try report(f)
        #expect(r.isIntact && r.headVerified && r.checkpointsVerified == 1 && r.entries == r.signedSize && r.entries >= 10)
    }

    @Test func flippingAByteOfAnyRowIsDetected() async throws {
        let (f, db) = try await populated()
        let size = try #require(db.scalar("SELECT count(*) FROM ledger")?.int)
        for index in 0..<size {
            for column in ["leaf", "hash"] {
                let original = try #require(db.scalar("SELECT \(column) FROM ledger WHERE idx = ?", [.integer(Int64(index))])?.bytes)
                var changed = original
                changed[index % changed.count] ^= 0x01
                try db.run("UPDATE ledger SET \(column) = ? WHERE idx = ?", [.blob(changed), .integer(Int64(index))])
                let r = try report(f)
                #expect(!r.isIntact, "a flipped byte in \(column) of entry \(index) went unnoticed")
                #expect(r.problems.contains { $0.index == index }, "\(r.problems)")
                f.store.close()
                try db.run("UPDATE ledger SET \(column) = ? WHERE idx = ?", [.blob(original), .integer(Int64(index))])
            }
        }
        #expect(try report(f).isIntact)
    }

    /// The roots kept for proofs (`ledger_nodes`, subtrees of 64 entries and more) are recomputed:
    /// a changed one is found by urad, not only by the auditor whose proof then fails.
    @Test func aChangedProofNodeIsDetected() async throws {
        let f = try GatewayFixture()
        var i = 0
        while try f.store.ledgerSize() < 130 {
            _ = try await f.submit(try f.message(from: f.police, to: [f.shelter, f.secretariat], caseReference: String(format: "AL-2026-%06d", i)), as: f.police)
            i += 1
        }
        #expect(try Ledger(store: f.store, signer: f.signer).verify().isIntact)
        f.store.close()
        let db = try SQLiteConnection(path: f.store.path)
        #expect(try db.scalar("SELECT count(*) FROM ledger_nodes")?.int == 3, "two subtrees of 64 and one of 128")
        try db.run("UPDATE ledger_nodes SET hash = ? WHERE height = 6 AND start = 64", [.blob([UInt8](repeating: 7, count: 32))])
        db.close()
        let r = try report(f)
        #expect(!r.isIntact)
        #expect(r.problems.contains { $0.description.contains("kept root of entries 64–127") }, "\(r.problems)")
    }

    @Test func deletingARowIsDetected() async throws {
        let (f, db) = try await populated()
        try db.run("DELETE FROM ledger WHERE idx = 3")
        let r = try report(f)
        #expect(!r.isIntact && r.problems.contains { $0.description.contains("entry 3 is missing") })
    }

    @Test func deletingTheLastRowIsDetected() async throws {
        let (f, db) = try await populated()
        try db.run("DELETE FROM ledger WHERE idx = (SELECT max(idx) FROM ledger)")
        #expect(try report(f).problems.contains { $0.description.contains("signed head covers") })
        try await expectWritesRefused(f)
    }

    /// Once the head does not check out, the gateway signs no new head over what is stored: a
    /// submission is answered 503 and stored nowhere.
    func expectWritesRefused(_ f: GatewayFixture) async throws {
        #expect(f.store.writeRefusal != nil)
        let before = try f.store.ledgerSize()
        let id = MessageID.random()
        let bytes = try f.message(from: f.police, to: [f.secretariat], id: id)
        await #expect { try await f.submit(bytes, as: f.police) } throws: {
            ($0 as? GatewayError)?.type == .unavailable && ($0 as? GatewayError)?.detail.contains("the store accepts no writes") == true
        }
        #expect(try f.store.ledgerSize() == before && f.store.message(id) == nil)
    }

    @Test func insertingARowEvenWithAPerfectLinkIsDetected() async throws {
        let (f, db) = try await populated()
        // A forger without the gateway's key appends an entry that links correctly to the chain.
        let last = try #require(try f.store.ledgerEntries(from: 0, count: 1000).last)
        let chain = LedgerChain(hash: { SHA256.hash($0) })
        let forged = chain.leaf(index: last.index + 1, previous: last.hash, event: LedgerEvent(.deliveryDelivered, at: f.clock.now))
        try db.run("INSERT INTO ledger (idx, leaf, hash) VALUES (?, ?, ?)",
                   [.integer(Int64(last.index + 1)), .blob(forged), .blob(chain.leafHash(forged))])
        let r = try report(f)
        #expect(!r.isIntact && r.problems.contains { $0.description.contains("added or removed behind the gateway") })
        try await expectWritesRefused(f)
    }

    /// A message row added to the store without its acceptance in the ledger — as someone with
    /// the database would plant a message — is found by the verification, not only when served.
    @Test func aMessageRowAddedBehindTheGatewayIsDetected() async throws {
        let (f, db) = try await populated()
        var columns: [String] = []
        try db.query("PRAGMA table_info(messages)") { row in
            if let name = row[1].string, name != "seq", name != "id" { columns.append(name) }
        }
        let list = columns.joined(separator: ", ")
        try db.run("INSERT INTO messages (id, \(list)) SELECT ?, \(list) FROM messages LIMIT 1", [.text(MessageID.random().rawValue)])
        let r = try report(f)
        #expect(!r.isIntact)
        #expect(r.problems.contains { $0.description.contains("5 messages are stored but the ledger accepted 4") }, "\(r.problems)")
    }

    @Test func insertingARowInTheMiddleIsDetected() async throws {
        let (f, db) = try await populated()
        try db.run("UPDATE ledger SET idx = idx + 1000 WHERE idx >= 5")
        try db.run("UPDATE ledger SET idx = idx - 999 WHERE idx >= 1005")
        let chain = LedgerChain(hash: { SHA256.hash($0) })
        let previous = try #require(try db.scalar("SELECT hash FROM ledger WHERE idx = 4")?.bytes)
        let forged = chain.leaf(index: 5, previous: previous, event: LedgerEvent(.deliveryDelivered, at: f.clock.now))
        try db.run("INSERT INTO ledger (idx, leaf, hash) VALUES (5, ?, ?)", [.blob(forged), .blob(chain.leafHash(forged))])
        let r = try report(f)
        #expect(!r.isIntact && r.problems.contains { $0.index == 6 })
    }

    @Test func swappingTwoRowsIsDetected() async throws {
        let (f, db) = try await populated()
        try db.run("UPDATE ledger SET idx = -1 WHERE idx = 2")
        try db.run("UPDATE ledger SET idx = 2 WHERE idx = 6")
        try db.run("UPDATE ledger SET idx = 6 WHERE idx = -1")
        let r = try report(f)
        #expect(!r.isIntact && r.problems.contains { $0.description.contains("reordered") })
    }

    @Test func aForgedHeadSignatureIsDetected() async throws {
        let (f, db) = try await populated()
        let other = GatewaySigner(id: f.signer.id, key: try SigningKey.generate())
        let head = try #require(try db.scalar("SELECT root FROM ledger_head")?.bytes)
        let size = try #require(try db.scalar("SELECT tree_size FROM ledger_head")?.int)
        try db.run("UPDATE ledger_head SET signed = ?", [.blob(other.signTreeHead(size: size, root: head))])
        #expect(try report(f).problems.contains { $0.description.contains("not the gateway's") })
        try await expectWritesRefused(f)
    }

    @Test func aChangeInTheMiddleKeepsWritesGoingAndStaysEvident() async throws {
        let (f, db) = try await populated()
        try db.run("UPDATE ledger SET leaf = x'00' WHERE idx = 2")
        try f.reopen()
        #expect(f.store.writeRefusal == nil)
        _ = try await f.submit(try f.message(from: f.police, to: [f.secretariat]), as: f.police)
        // The heads signed since still commit to the original hashes: the change stays evident.
        #expect(try Ledger(store: f.store, signer: f.signer).verify().problems.contains { $0.index == 2 })
    }

    @Test func batchesCommittedDuringAVerificationAreNotMistakenForTampering() async throws {
        let f = try GatewayFixture()
        for _ in 0..<3 { _ = try await f.submit(try f.message(from: f.police, to: [f.secretariat]), as: f.police) }
        let messages = try (0..<2).map { _ in try f.message(from: f.police, to: [f.secretariat]) }
        let pages = Mutex(0)
        var verifier = LedgerVerifier(store: f.store, hash: { SHA256.hash($0) }) { [signer = f.signer] head in
            signer.verifyTreeHead(head.signed, size: head.treeSize, root: head.root)
        }
        verifier.afterPage = { [f] count in
            // The gateway keeps accepting while the ledger is read: a batch after the first page
            // (read on), and one after the last (not read; only the second head covers it).
            let page = pages.withLock { n -> Int in defer { n += 1 }; return n }
            guard page == 0 || count == 0 else { return }
            let done = DispatchSemaphore(value: 0)
            Task { _ = try? await f.submit(messages[page == 0 ? 0 : 1], as: f.police); done.signal() }
            done.wait()
        }
        let before = try f.store.ledgerSize()
        let report = try verifier.verify(pageSize: 1)
        #expect(report.problems.isEmpty && report.headVerified, "\(report.problems)")
        #expect(try report.signedSize == before && report.entries == before + 1 && f.store.ledgerSize() == before + 2)
        #expect(try Ledger(store: f.store, signer: f.signer).verify().isIntact)
    }

    @Test func headsSignedBeforeAGatewayKeyRotationStillCheckOut() async throws {
        let (f, _) = try await populated()
        let rotated = GatewaySigner(id: f.signer.id, key: try SigningKey.generate())
        let path = f.store.path
        let withEarlierKey = try SQLiteStore(path: path, ledger: Gateway.ledgerConfiguration(rotated, earlierKeys: [f.signer.key.publicKey]))
        #expect(withEarlierKey.writeRefusal == nil)
        withEarlierKey.close()
        let without = try SQLiteStore(path: path, ledger: Gateway.ledgerConfiguration(rotated))
        #expect(without.writeRefusal?.description.contains("nor by an earlier gateway key") == true)
        without.close()
    }

    @Test func inclusionProofsVerifyOfflineAndFailWhenAltered() async throws {
        let f = try GatewayFixture()
        let sent = try await f.submit(try f.message(from: f.police, to: [f.secretariat]), as: f.police)
        for _ in 0..<5 { _ = try await f.submit(try f.message(from: f.police, to: [f.secretariat]), as: f.police) }
        let ledger = Ledger(store: f.store, signer: f.signer)
        let proof = try ledger.proof(for: sent.messageID)
        let reparsed = try InclusionProof(json: try JSONValue(parsing: proof.json.serialized()))
        #expect(reparsed.verify(gatewayKey: f.signer.key.publicKey))
        #expect(!reparsed.verify(gatewayKey: try SigningKey.generate().publicKey))
        var leaf = reparsed.entries[0].leaf
        leaf[10] ^= 1
        let altered = InclusionProof(treeSize: reparsed.treeSize, root: reparsed.root, signedHead: reparsed.signedHead,
                                     entries: [.init(index: reparsed.entries[0].index, leaf: leaf, path: reparsed.entries[0].path)])
        #expect(!altered.verify(gatewayKey: f.signer.key.publicKey))
        #expect(throws: GatewayError.self) { try ledger.proof(for: .random()) }
    }
}
