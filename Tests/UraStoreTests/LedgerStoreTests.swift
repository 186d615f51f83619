import UraBasics
import Foundation
import Testing
import UraJSON
import UraModel
import UraProtocol
@testable import UraStoreSQLite
import UraStore
import UraStoreSQLite

@Suite struct LedgerStoreTests {
    let tree = MerkleTree(hash: sha256)

    @Test func entriesAreChainedAndHashedAsRFC9162Leaves() async throws {
        let f = try StoreFixture()
        for _ in 0..<3 { _ = try await f.store.commit(f.accepted()) }
        _ = try await f.claim()
        let entries = try f.store.ledgerEntries(from: 0, count: 100)
        #expect(entries.map(\.index) == Array(0..<entries.count))
        var previous = LedgerChain.genesis
        for entry in entries {
            #expect(entry.hash == sha256([0x00] + entry.leaf))
            let leaf = try JSONValue(parsing: entry.leaf)
            #expect(leaf["prev"]?.stringValue == Hex.encode(previous))
            #expect(leaf["index"]?.intValue == entry.index)
            previous = entry.hash
        }
    }

    @Test func everyBatchSignsAHeadCoveringTheWholeLedger() async throws {
        let f = try StoreFixture()
        #expect(try f.store.signedHead() == nil)
        for _ in 0..<5 { _ = try await f.store.commit(f.accepted()) }
        let head = try #require(try f.store.signedHead())
        let hashes = try f.store.ledgerEntries(from: 0, count: 100).map(\.hash)
        #expect(head.treeSize == hashes.count)
        #expect(head.root == tree.root(hashes[...]))
        #expect(String(decoding: head.signed, as: UTF8.self) == #"{"tree_size":5,"root":"\#(Hex.encode(head.root))"}"#)
    }

    @Test func checkpointsKeepTheHeadOfTheirTime() async throws {
        let f = try StoreFixture()
        _ = try await f.store.commit(f.accepted())
        let first = try #require(try await f.store.saveCheckpoint(now: f.start))
        _ = try await f.store.commit(f.accepted())
        _ = try await f.store.saveCheckpoint(now: f.start.addingTimeInterval(60))
        let all = try f.store.checkpoints()
        #expect(all.map(\.treeSize) == [1, 2])
        #expect(all[0].root == first.root && all[0].at == f.start)
    }

    @Test func frontierSurvivesRestart() async throws {
        let f = try StoreFixture()
        for _ in 0..<7 { _ = try await f.store.commit(f.accepted()) }
        try f.reopen()
        #expect(f.store.writeRefusal == nil)
        _ = try await f.store.commit(f.accepted())
        let hashes = try f.store.ledgerEntries(from: 0, count: 100).map(\.hash)
        #expect(try f.store.signedHead()?.root == tree.root(hashes[...]))
    }

    /// Changed outside the store, the head no longer checks out: extending the ledger would sign
    /// the change, so every write is refused — reads (and so verification) still work.
    @Test func aHeadThatDoesNotCheckOutMakesTheStoreRefuseWrites() async throws {
        let edits: [(String, String)] = [
            ("DELETE FROM ledger_head", "no signed head"),
            ("DELETE FROM ledger WHERE idx = (SELECT max(idx) FROM ledger)", "covers 4 entries but 3 are stored"),
            ("UPDATE ledger_head SET signed = x'00'", "not signed by this gateway's key"),
            ("UPDATE ledger_head SET frontier = x'02\(String(repeating: "00", count: 32))'", "frontier does not lead to its signed root"),
        ]
        for (edit, problem) in edits {
            let f = try StoreFixture()
            let kept = f.accepted()
            _ = try await f.store.commit(kept)
            for _ in 0..<3 { _ = try await f.store.commit(f.accepted()) }
            let before = try f.store.ledgerSize()
            f.store.close()
            try SQLiteConnection(path: f.path).execute(edit)
            try f.reopen()
            #expect(f.store.writeRefusal?.description.contains(problem) == true, "\(edit): \(String(describing: f.store.writeRefusal))")
            await #expect(throws: StoreError.self) { _ = try await f.store.commit(f.accepted()) }
            await #expect(throws: StoreError.self) { _ = try await f.claim() }
            #expect(try f.store.message(kept.metadata.id) != nil)
            #expect(try f.store.ledgerSize() <= before)
        }
    }

    @Test func anEmptyStoreOpensForWrites() async throws {
        let f = try StoreFixture()
        try f.reopen()
        #expect(f.store.writeRefusal == nil)
        _ = try await f.store.commit(f.accepted())
    }
}
