import Testing
import UraPostgresTestSupport
import UraStore
import UraStoreConformance
@testable import UraStorePostgres
import UraTestTraits

/// The ledger's signed head is checked when the store opens: a database edited behind urad's back
/// (here with SQL on the schema) makes the store refuse writes; reads still work.
@Suite(.offThePool, .enabled(if: PostgresServer.available)) struct PostgresLedgerHeadTests {
    @Test func aHeadThatDoesNotCheckOutMakesTheStoreRefuseWrites() async throws {
        let edits: [(String, String)] = [
            ("UPDATE ledger_head SET signed = NULL", "no signed head"),
            ("DELETE FROM ledger WHERE idx = (SELECT max(idx) FROM ledger)", "covers 4 entries but 3 are stored"),
            ("UPDATE ledger_head SET signed = '\\x00'", "not signed by this gateway's key"),
            ("UPDATE ledger_head SET frontier = '\\x02\(String(repeating: "00", count: 32))'", "frontier does not lead to its signed root"),
            ("UPDATE ledger_head SET last_hash = '\\x\(String(repeating: "11", count: 32))'", "last hash is not the hash of the last entry"),
        ]
        for (edit, problem) in edits {
            let storage = try await PostgresStorage.make()
            let f = try StoreFixture(storage: storage)
            let kept = f.accepted()
            _ = try await f.store.commit(kept)
            for _ in 0..<3 { _ = try await f.store.commit(f.accepted()) }
            f.store.close()
            let db = try storage.connection()
            try db.execute(edit)
            db.close()
            try f.reopen()
            #expect(f.store.writeRefusal?.description.contains(problem) == true, "\(edit): \(String(describing: f.store.writeRefusal))")
            await #expect(throws: StoreError.self) { _ = try await f.store.commit(f.accepted()) }
            #expect(try f.store.message(kept.metadata.id) != nil)
        }
    }
}
