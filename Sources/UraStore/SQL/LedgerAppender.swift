import UraProtocol

/// Where a write batch's ledger stands: the next index, the hash of the last entry (what the next
/// leaf chains to), and the Merkle frontier of the tree so far.
@usableFromInline package struct LedgerTip: Sendable {
    package var nextIndex: Int
    package var lastHash: [UInt8]
    package var frontier: MerkleFrontier

    package init(nextIndex: Int, lastHash: [UInt8], frontier: MerkleFrontier) {
        self.nextIndex = nextIndex
        self.lastHash = lastHash
        self.frontier = frontier
    }
}

/// A write batch's appends to the ledger, the same on both stores: each entry's leaf (its index and
/// the previous entry's hash) and hash, the tip moved past it, the perfect subtrees it completes
/// kept in the batch (for receipts signed per batch) and, from `keptNodeHeight` up, stored with it.
/// When a job's savepoint is rolled back, its appends are rolled back with `rollBack(to:)`. Used by
/// one writer thread at a time. `append` and `store` are inlinable so that each store runs them
/// specialised for its own database type, as the rest of the shared SQL.
@usableFromInline package final class LedgerAppender: @unchecked Sendable {
    package let chain: LedgerChain
    let tree: MerkleTree
    package private(set) var tip: LedgerTip
    /// The entries this batch appends, sealed with its signed head.
    package let batch: LedgerBatch

    package init(chain: LedgerChain, tree: MerkleTree, tip: LedgerTip) {
        self.chain = chain
        self.tree = tree
        self.tip = tip
        batch = LedgerBatch(after: tip.frontier)
    }

    /// The next entry for `event` (its index, leaf and hash), not yet stored: for a statement that
    /// stores it with other rows; `advance` then moves the tip past it.
    @usableFromInline package func nextEntry(_ event: PreparedLedgerEvent) -> (index: Int, leaf: [UInt8], hash: [UInt8]) {
        let leaf = event.leaf(index: tip.nextIndex, previous: tip.lastHash)
        return (tip.nextIndex, leaf, chain.leafHash(leaf))
    }

    /// Moves the tip past the entry of `hash` just stored; returns the subtrees it completes that
    /// the store keeps (`store(_:in:)`).
    @usableFromInline package func advance(_ hash: [UInt8], leaf: [UInt8]) -> [(height: Int, start: Int, hash: [UInt8])] {
        tip.nextIndex += 1
        tip.lastHash = hash
        let completed = tip.frontier.append(hash, tree: tree)
        batch.append(leaf: leaf, hash: hash, completed: completed)
        let size = tip.frontier.size
        return completed.filter { $0.height >= LedgerConfiguration.keptNodeHeight }.map { (height: $0.height, start: size - (1 << $0.height), hash: $0.hash) }
    }

    /// Undoes the appends since `saved` (a job whose savepoint was rolled back).
    package func rollBack(to saved: LedgerTip) {
        tip = saved
        batch.truncate(to: saved.nextIndex)
    }

    /// Appends `event` (about the message of row `messageSeq`, if any) through `db`, in the
    /// batch's transaction: its entry and the subtrees it completes. Returns its index.
    @inlinable package func append<Database: SQLDatabase>(_ event: PreparedLedgerEvent, messageSeq: Int64?, in db: Database) throws(StoreError) -> Int {
        let next = nextEntry(event)
        try db.run("INSERT INTO ledger (idx, leaf, hash, message_seq) VALUES (?, ?, ?, ?)",
                   [.integer(Int64(next.index)), .blob(next.leaf), .blob(next.hash), messageSeq.map { .integer($0) } ?? .null])
        try store(advance(next.hash, leaf: next.leaf), in: db)
        return next.index
    }

    /// Stores the subtrees `advance` returned.
    @inlinable package func store<Database: SQLDatabase>(_ nodes: [(height: Int, start: Int, hash: [UInt8])], in db: Database) throws(StoreError) {
        for node in nodes {
            try db.run(Database.dialect.storeLedgerNode, [.integer(Int64(node.height)), .integer(Int64(node.start)), .blob(node.hash)])
        }
    }
}
