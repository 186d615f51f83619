import UraProtocol
import UraStore

/// The roots of the ledger's perfect Merkle subtrees of `lowest` levels and more, kept in
/// `ledger_nodes` as the writer completes them (in the batch's transaction), so that an inclusion
/// or consistency proof reads O(log n) nodes instead of rehashing every entry. Subtrees below
/// `lowest` are hashed from at most `1 << lowest` entries when asked for: a 64th of the rows.
enum LedgerNodes {
    static let lowest = LedgerConfiguration.keptNodeHeight

    /// How many nodes a ledger of `size` entries keeps.
    static func expectedCount(size: Int) -> Int {
        var count = 0
        var height = lowest
        while 1 << height <= size {
            count += size >> height
            height += 1
        }
        return count
    }

    /// Rebuilds the nodes from the stored entries' hashes when they are not all there (a ledger
    /// written before schema 7, or a node deleted): one pass over the hashes, once.
    static func backfill(_ db: SQLiteConnection, tree: MerkleTree) throws(StoreError) {
        let size = try (db.scalar("SELECT max(idx) FROM ledger")?.int).map { $0 + 1 } ?? 0
        guard try db.scalar("SELECT count(*) FROM ledger_nodes")?.int != expectedCount(size: size) else { return }
        try db.execute("BEGIN IMMEDIATE")
        do {
            try db.execute("DELETE FROM ledger_nodes")
            var frontier = MerkleFrontier()
            var pending: [(height: Int, start: Int, hash: [UInt8])] = []
            try db.query("SELECT hash FROM ledger ORDER BY idx") { (row) throws(StoreError) in
                let completed = frontier.append(row[0].bytes ?? [], tree: tree)
                for node in completed where node.height >= lowest {
                    pending.append((node.height, frontier.size - (1 << node.height), node.hash))
                }
            }
            for node in pending {
                try db.run("INSERT INTO ledger_nodes (height, start, hash) VALUES (?, ?, ?)",
                           [.integer(Int64(node.height)), .integer(Int64(node.start)), .blob(node.hash)])
            }
            try db.execute("COMMIT")
        } catch {
            try? db.execute("ROLLBACK")
            throw error
        }
    }
}
