import Testing
import UraStore
import UraStoreConformance
@testable import UraStoreSQLite
import UraTestTraits

/// The ledger's signed head is checked when the store opens: a database edited behind urad's back
/// (here with SQL on the file) opens read-only.
@Suite(.offThePool) struct LedgerHeadTests {
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

    /// A ledger written before schema 7 has no subtree nodes: the first open builds them from the
    /// entries, so proofs stay in log time; so does an open after a node was deleted.
    @Test func theSubtreeNodesAreRebuiltWhenMissing() async throws {
        let f = try StoreFixture()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<140 { group.addTask { _ = try await f.store.commit(f.accepted()) } }
            try await group.waitForAll()
        }
        let size = try f.store.ledgerSize()
        let expected = try (0..<(size / 64)).map { try f.store.ledgerNode(start: $0 * 64, height: 6) }
        f.store.close()
        let db = try SQLiteConnection(path: f.path)
        #expect(try db.scalar("SELECT count(*) FROM ledger_nodes")?.int == LedgerNodes.expectedCount(size: size))
        try db.execute("DELETE FROM ledger_nodes")
        db.close()
        try f.reopen()
        #expect(try (0..<(size / 64)).map { try f.store.ledgerNode(start: $0 * 64, height: 6) } == expected)
        f.store.close()
        let again = try SQLiteConnection(path: f.path)
        #expect(try again.scalar("SELECT count(*) FROM ledger_nodes")?.int == LedgerNodes.expectedCount(size: size))
        again.close()
    }
}
