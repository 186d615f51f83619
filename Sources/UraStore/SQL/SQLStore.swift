import Foundation
import UraProtocol

/// A `Store` on a SQL database. The `Store` methods whose SQL is the same on SQLite and PostgreSQL
/// (or differs only in a `SQLDialect` detail) are written once, in the extensions of this protocol
/// (`SQLStore+….swift`); a backend supplies its connections, its writer and what genuinely
/// differs (the message commit, how a lease is marked, its transactions). The extensions are
/// `@inlinable`, and what they touch `@usableFromInline` (in the backends too), so that each
/// backend's release build specialises them for its own connection, value and row types.
@usableFromInline package protocol SQLStore: Store {
    associatedtype Database: SQLDatabase
    associatedtype Transaction: SQLTransaction where Transaction.Database == Database
    /// The hash of the ledger's Merkle tree (for the subtrees no row keeps).
    var ledgerTree: MerkleTree { get }
    /// Runs `body` on a read connection.
    func read<T>(_ body: (Database) throws(StoreError) -> T) throws(StoreError) -> T
    /// Runs `body` in the writer's next batch; returns once the batch is durably committed.
    @discardableResult
    func write<T: Sendable>(_ body: @escaping @Sendable (Transaction) throws(StoreError) -> T) async throws(StoreError) -> T
    /// Marks the delivery of message row `seq` to `recipient` in flight, leased until `until`
    /// (one more attempt, last attempted `now`); false when it cannot be leased now (PostgreSQL:
    /// another node holds the row, or it is no longer due).
    static func markLeased(_ tx: Transaction, seq: Int64, recipient: String, now: Date, until: Date) throws(StoreError) -> Bool
}

/// What a write job of the shared SQL sees: the writer's connection, inside the batch's
/// transaction, and the ledger to append to.
@usableFromInline package protocol SQLTransaction {
    associatedtype Database: SQLDatabase
    var database: Database { get }
    /// The ledger's hash chain (for hashing receipts recorded in the ledger).
    var ledgerChain: LedgerChain { get }
    /// Appends `event` to the ledger, linked to the previous entry; returns its index. `messageSeq`
    /// is the row of the message the event is about.
    @discardableResult
    func appendToLedger(_ event: LedgerEvent, messageSeq: Int64?) throws(StoreError) -> Int
    /// Wakes whoever waits on `recipient`'s inbox once the transaction commits (PostgreSQL's
    /// `NOTIFY`, for a long poll held by another node; nothing on SQLite, whose one node wakes
    /// its inbox itself).
    func notifyInboxAfterCommit(_ recipient: String)
}

extension SQLTransaction {
    /// Appends an event about no message in particular.
    @inlinable @discardableResult
    package func appendToLedger(_ event: LedgerEvent) throws(StoreError) -> Int {
        try appendToLedger(event, messageSeq: nil)
    }
}
