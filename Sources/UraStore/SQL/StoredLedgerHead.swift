import UraProtocol

/// The check both stores run on their stored signed tree head when they open, and what every write
/// gets while it does not check out: extending such a ledger would sign whatever is stored now.
package enum StoredLedgerHead {
    /// What is wrong with the stored head (`ledger_head`) of a ledger of `entries` entries, or nil:
    /// it must exist once there are entries, cover exactly the stored entries, have a frontier that
    /// leads to its root, and carry a valid gateway signature over that size and root. (Entries
    /// changed in the middle keep a valid head; verification finds them, and heads signed later
    /// still commit to the original hashes.)
    package static func problem<Database: SQLDatabase>(in db: Database, entries: Int, tree: MerkleTree,
                                                       verify: (_ signed: [UInt8], _ size: Int, _ root: [UInt8]) -> Bool) throws(StoreError) -> String? {
        var stored: (frontier: MerkleFrontier?, size: Int, root: [UInt8], signed: [UInt8]?)?
        try db.query("SELECT tree_size, frontier, root, signed FROM ledger_head WHERE id = 1", []) { (row) throws(StoreError) in
            let size = row[0].int ?? -1
            stored = (MerkleFrontier(size: size, serialized: row[1].bytes ?? []), size, row[2].bytes ?? [], row[3].bytes)
        }
        guard let stored, let signed = stored.signed else { return entries == 0 ? nil : "the ledger has \(entries) entries but no signed head" }
        guard stored.size == entries else { return "the ledger's signed head covers \(stored.size) entries but \(entries) are stored" }
        guard let frontier = stored.frontier, frontier.root(tree: tree) == stored.root else {
            return "the ledger's stored frontier does not lead to its signed root"
        }
        guard verify(signed, stored.size, stored.root) else {
            return "the ledger's head is not signed by this gateway's key, nor by an earlier gateway key of the directory"
        }
        return nil
    }

    /// The error every write gets while the stored head has `problem`.
    package static func refusal(_ problem: String) -> StoreError {
        .corrupt("the store accepts no writes: \(problem); the database was changed outside urad — keep it as evidence and "
                 + "restore the last good copy (docs/operations.md, “When the store refuses writes”)")
    }
}
