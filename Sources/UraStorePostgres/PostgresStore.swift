import Foundation
import Synchronization
import UraModel
import UraProtocol
import UraStore

/// The store on PostgreSQL: several `urad` nodes on one database. Each node has one writer thread
/// doing group commit (`PostgresWriter`) and a small pool of read connections; the schema is
/// migrated at open (`PostgresMigrations`). Behaves as `SQLiteStore` does, check for check.
public final class PostgresStore: SQLStore {
    public struct Options: Sendable {
        /// Most jobs per transaction.
        public var maxBatch = 512
        /// Idle read connections kept open.
        public var readers = 4
        /// This node's name, kept in `leased_by` of the deliveries it leases (default: host name and pid).
        public var node = "\(ProcessInfo.processInfo.hostName)/\(ProcessInfo.processInfo.processIdentifier)"
        public init() {}
    }

    let url: String
    @usableFromInline package let ledgerTree: MerkleTree
    let writer: PostgresWriter
    let readers: PostgresReaderPool
    /// Where the store connects, without the password ("db1 port 5432").
    public let target: String
    /// The channel on which committed pull deliveries are notified: `ura_inbox`, or
    /// `ura_inbox_<schema>` for a store in another schema than `public` (notifications are per
    /// database, not per schema).
    let inboxChannel: String

    /// Connects to `url` (a libpq URI such as `postgresql://ura@db1,db2/ura?target_session_attrs=read-write`),
    /// brings the schema up to date and starts the writer. Throws `unavailable` naming the hosts and
    /// ports when no server answers, `corrupt` for a schema newer than this urad.
    public init(url: String, ledger: LedgerConfiguration, options: Options = Options()) throws(StoreError) {
        if let problem = PostgresURL.problem(url) { throw StoreError.unavailable("the PostgreSQL URL is not valid: \(problem)") }
        self.url = url
        target = PostgresURL.describe(url)
        let connection = try PostgresConnection(url: url)
        do {
            try PostgresMigrations.apply(to: connection)
            let schema = try connection.scalar("SELECT current_schema()")?.string ?? "public"
            inboxChannel = schema == "public" ? "ura_inbox" : "ura_inbox_\(schema)"
            ledgerTree = MerkleTree(hash: ledger.hash)
            writer = try PostgresWriter(connection: connection, ledger: ledger, node: options.node, maxBatch: options.maxBatch,
                                        inboxChannel: inboxChannel)
        } catch {
            connection.close()
            throw error
        }
        readers = PostgresReaderPool(url: url, capacity: options.readers)
        writer.start()
    }

    public var writeRefusal: StoreError? { writer.refusal }

    public func close() {
        listeners.withLock { all in
            for listener in all { listener.stop() }
            all.removeAll()
        }
        writer.stop()
        readers.closeAll()
    }

    private let listeners = Mutex<[PostgresListener]>([])

    /// Calls `wake` with the recipients of pull deliveries as they are committed, by this node or
    /// any other on the database (`LISTEN ura_inbox`), so that a long poll held by this node wakes
    /// for a message another node accepted. Listens before it returns; throws when the server
    /// cannot be reached. Stops when the store closes.
    public func listenForInbox(_ wake: @escaping @Sendable ([AgencyID]) -> Void) throws(StoreError) {
        let listener = try PostgresListener(url: url, channel: inboxChannel) { payloads in
            let agencies = Set(payloads).compactMap { try? AgencyID($0) }
            if !agencies.isEmpty { wake(agencies) }
        }
        listeners.withLock { $0.append(listener) }
    }

    @usableFromInline package func read<T>(_ body: (PostgresConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        try readers.read(body)
    }


    @discardableResult
    @usableFromInline package func write<T: Sendable>(_ body: @escaping @Sendable (PostgresSQLTransaction) throws(StoreError) -> T) async throws(StoreError) -> T {
        try await writer.perform { tx throws(StoreError) in try body(PostgresSQLTransaction(tx: tx)) }
    }

    /// How the writer has batched so far (for benchmarks and metrics).
    public var commitStatistics: CommitStatistics { writer.statistics }

    /// What `urad --check-config` reports: the server's version, the schema's, and whether the
    /// server takes writes (a standby does not).
    public struct ServerStatus: Sendable, Equatable {
        public var serverVersion: String
        public var schemaVersion: Int
        public var latestSchemaVersion: Int
        public var writable: Bool
    }

    /// Connects to `url` and reads what `ServerStatus` holds, changing nothing.
    public static func status(url: String) throws(StoreError) -> ServerStatus {
        if let problem = PostgresURL.problem(url) { throw StoreError.unavailable("the PostgreSQL URL is not valid: \(problem)") }
        let db = try PostgresConnection(url: url)
        defer { db.close() }
        let version = try db.scalar("SHOW server_version")?.string ?? "unknown"
        let readOnly = try db.scalar("SELECT pg_is_in_recovery() OR current_setting('transaction_read_only') = 'on'")?.bool ?? true
        return ServerStatus(serverVersion: version, schemaVersion: try PostgresMigrations.version(of: db),
                            latestSchemaVersion: PostgresMigrations.latest, writable: !readOnly)
    }
}

/// Read connections: a reader checks one out for the duration of a closure; when all are busy a
/// temporary one is opened. A connection that lost its server is dropped, not pooled.
final class PostgresReaderPool: Sendable {
    private let url: String
    private let idle = Mutex<(connections: [PostgresConnection], closed: Bool)>(([], false))
    private let capacity: Int

    init(url: String, capacity: Int) {
        self.url = url
        self.capacity = capacity
    }

    /// Runs `body` on a pooled connection. A pooled connection whose server went away (restarted,
    /// failed over) fails its first statement; the read is then tried once more on a new connection.
    func read<T>(_ body: (PostgresConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        guard !idle.withLock({ $0.closed }) else { throw StoreError.unavailable("the store is shutting down") }
        if let pooled = idle.withLock({ $0.connections.popLast() }) {
            do {
                return try read(on: pooled, body)
            } catch {
                guard case .unavailable = error, !pooled.isConnected else { throw error }
            }
        }
        return try read(on: try PostgresConnection(url: url), body)
    }

    private func read<T>(on connection: PostgresConnection, _ body: (PostgresConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        defer {
            let keep = connection.isConnected && idle.withLock { pool in
                guard !pool.closed, pool.connections.count < capacity else { return false }
                pool.connections.append(connection)
                return true
            }
            if !keep { connection.close() }
        }
        return try body(connection)
    }

    func closeAll() {
        let connections = idle.withLock { pool in
            pool.closed = true
            defer { pool.connections = [] }
            return pool.connections
        }
        for connection in connections { connection.close() }
    }
}
