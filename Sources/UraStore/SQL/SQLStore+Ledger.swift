import Foundation
import UraModel
import UraProtocol

/// The ledger's reads (entries, kept subtree roots, heads, checkpoints) and its checkpoints.
extension SQLStore {
    @inlinable public func receipts(forSender sender: AgencyID, after cursor: Int64, limit: Int) throws(StoreError) -> [FeedReceipt] {
        try read { (db) throws(StoreError) in
            var feed: [FeedReceipt] = []
            try db.query("""
                SELECT seq, message_id, recipient, kind, at, jws FROM receipts WHERE sender = ? AND seq > ? ORDER BY seq LIMIT ?
                """, [.text(sender.rawValue), .integer(cursor), .integer(Int64(limit))]) { (row) throws(StoreError) in
                guard let message = try? MessageID(row[1].string ?? ""), let recipient = try? AgencyID(row[2].string ?? ""),
                      let kind = Receipt.Kind(rawValue: row[3].string ?? "")
                else { throw StoreError.corrupt("receipt \(row[0].int64 ?? -1) has an invalid message, recipient or kind") }
                feed.append(FeedReceipt(cursor: row[0].int64 ?? 0, message: message, recipient: recipient, kind: kind,
                                        at: row[4].date ?? .distantPast, signed: row[5].bytes ?? []))
            }
            return feed
        }
    }

    @inlinable public func ledgerSize() throws(StoreError) -> Int {
        try read { (db) throws(StoreError) in try (db.scalar("SELECT max(idx) FROM ledger", [])?.int).map { $0 + 1 } ?? 0 }
    }

    @inlinable public func ledgerEntries(from index: Int, count: Int) throws(StoreError) -> [LedgerEntry] {
        try read { (db) throws(StoreError) in
            var entries: [LedgerEntry] = []
            entries.reserveCapacity(min(count, 100_000))
            try db.query("SELECT idx, leaf, hash FROM ledger WHERE idx >= ? ORDER BY idx LIMIT ?",
                         [.integer(Int64(index)), .integer(Int64(count))]) { (row) throws(StoreError) in
                entries.append(LedgerEntry(index: row[0].int ?? -1, leaf: row[1].bytes ?? [], hash: row[2].bytes ?? []))
            }
            return entries
        }
    }

    @inlinable public func ledgerNode(start: Int, height: Int) throws(StoreError) -> [UInt8] {
        guard height >= 0, height < 62, start >= 0, start % (1 << height) == 0 else {
            throw StoreError.notFound("no ledger node of height \(height) starts at \(start): the start must be a multiple of \(height < 62 ? 1 << height : 0)")
        }
        return try read { (db) throws(StoreError) in
            if height >= LedgerConfiguration.keptNodeHeight,
               let hash = try db.scalar("SELECT hash FROM ledger_nodes WHERE height = ? AND start = ?",
                                        [.integer(Int64(height)), .integer(Int64(start))])?.bytes {
                return hash
            }
            var hashes: [[UInt8]] = []
            hashes.reserveCapacity(min(1 << height, 1 << LedgerConfiguration.keptNodeHeight))
            try db.query("SELECT hash FROM ledger WHERE idx >= ? AND idx < ? ORDER BY idx",
                         [.integer(Int64(start)), .integer(Int64(start + (1 << height)))]) { (row) throws(StoreError) in
                hashes.append(row[0].bytes ?? [])
            }
            guard hashes.count == 1 << height else {
                throw StoreError.notFound("the ledger has no complete subtree of \(1 << height) entries from \(start)")
            }
            return ledgerTree.root(hashes[...])
        }
    }

    @inlinable public func ledgerIndexes(forMessage id: MessageID) throws(StoreError) -> [Int] {
        try read { (db) throws(StoreError) in
            var indexes: [Int] = []
            try db.query("""
                SELECT l.idx FROM ledger l JOIN messages m ON m.seq = l.message_seq WHERE m.id = ? ORDER BY l.idx
                """, [.text(id.rawValue)]) { (row) throws(StoreError) in
                indexes.append(row[0].int ?? -1)
            }
            return indexes
        }
    }

    @inlinable public func signedHead() throws(StoreError) -> Checkpoint? {
        try read { (db) throws(StoreError) in try Self.head(db, at: Date()) }
    }

    @inlinable package static func head(_ db: Database, at: Date) throws(StoreError) -> Checkpoint? {
        var head: Checkpoint?
        try db.query(Database.dialect.signedHead, []) { (row) throws(StoreError) in
            head = Checkpoint(treeSize: row[0].int ?? -1, root: row[1].bytes ?? [], at: at, signed: row[2].bytes ?? [])
        }
        return head
    }

    @inlinable public func saveCheckpoint(now: Date) async throws(StoreError) -> Checkpoint? {
        try await write { tx throws(StoreError) in
            guard let head = try Self.head(tx.database, at: now) else { return nil }
            try tx.database.run(Database.dialect.insertCheckpoint,
                          [.integer(Int64(head.treeSize)), .blob(head.root), .date(now), .blob(head.signed)])
            return head
        }
    }

    @inlinable public func checkpoints() throws(StoreError) -> [Checkpoint] {
        try read { (db) throws(StoreError) in
            var all: [Checkpoint] = []
            try db.query("SELECT tree_size, root, at, signed FROM checkpoints ORDER BY tree_size", []) { (row) throws(StoreError) in
                all.append(Checkpoint(treeSize: row[0].int ?? -1, root: row[1].bytes ?? [], at: row[2].date ?? .distantPast,
                                      signed: row[3].bytes ?? []))
            }
            return all
        }
    }
}
