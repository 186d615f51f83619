import Foundation
import UraModel
import UraProtocol
import UraStore

/// The embedded store: one SQLite file in WAL mode with `synchronous=FULL`, one writer thread doing
/// group commit, and a pool of read-only connections.
public final class SQLiteStore: SQLStore {
    public struct Options: Sendable {
        /// Most jobs per transaction.
        public var maxBatch = 512
        /// Idle read connections kept open.
        public var readers = 4
        /// Write-ahead log length (in 4 KiB frames) from which the writer completes a checkpoint
        /// itself so the log starts over (16 MiB by default).
        public var logRestartFrames = 4_096
        /// Under a steady stream of submissions the writer lets a batch gather for up to this
        /// long before committing it (PostgreSQL's `commit_delay`): each fsync and tree-head
        /// signature is then shared by more messages, which costs less CPU per message. It waits
        /// only when jobs arrived during its previous cycle at a rate that brings at least two
        /// more within the delay, and stops waiting once `commitGather` jobs are queued; a lone
        /// submission never waits. Zero turns it off.
        public var commitDelay: Duration = .milliseconds(1)
        public var commitGather = 32
        public init() {}
    }

    let path: String
    /// The ledger's hash, for the subtrees below `LedgerNodes.lowest`.
    @usableFromInline package let ledgerTree: MerkleTree
    package let writer: GroupCommitWriter
    let readers: ReaderPool

    /// Opens (creating if needed, mode 0600) the database at `path` and brings its schema up to
    /// date; refuses a database, `-wal` or `-shm` that others may read (`StoreFiles`).
    public init(path: String, ledger: LedgerConfiguration, options: Options = Options()) throws(StoreError) {
        self.path = path
        try StoreFiles.prepare(path)
        let connection = try SQLiteConnection(path: path)
        try connection.execute("""
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = FULL;
            PRAGMA foreign_keys = ON;
            PRAGMA secure_delete = ON;
            PRAGMA cache_size = -65536;
            PRAGMA wal_autocheckpoint = 0;
            """)
        guard try connection.scalar("PRAGMA journal_mode")?.string == "wal" else {
            throw StoreError.unavailable("\(path) cannot use write-ahead logging (is it on a network file system?)")
        }
        try Migrations.apply(to: connection)
        ledgerTree = MerkleTree(hash: ledger.hash)
        try LedgerNodes.backfill(connection, tree: ledgerTree)
        writer = try GroupCommitWriter(connection: connection, ledger: ledger, maxBatch: options.maxBatch,
                                       restartFrames: options.logRestartFrames,
                                       gathering: .init(delay: options.commitDelay, target: options.commitGather))
        readers = ReaderPool(path: path, capacity: options.readers)
        checkpointer = try WALCheckpointer(path: path)
        writer.start()
        checkpointer.start()
    }

    /// Copies the write-ahead log into the database file on its own connection and thread, so the
    /// writer's commits never pay for it (`wal_autocheckpoint` is off on the writer).
    let checkpointer: WALCheckpointer

    public var writeRefusal: StoreError? { writer.refusal }

    public func close() {
        writer.stop()
        checkpointer.stop()
        readers.closeAll()
    }

    @usableFromInline package func read<T>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        try readers.read(body)
    }


    @discardableResult
    @usableFromInline package func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteSQLTransaction) throws(StoreError) -> T) async throws(StoreError) -> T {
        try await writer.perform { tx throws(StoreError) in try body(SQLiteSQLTransaction(tx: tx)) }
    }

    /// How the writer has batched so far (for benchmarks and metrics).
    public var commitStatistics: CommitStatistics { writer.statistics }

    /// Starts the `longest…` figures of `commitStatistics` afresh.
    public func resetCommitPeaks() { writer.resetPeaks() }
}
