import Foundation
import CSQLite
import UraProtocol
import UraStore

/// Set by the WAL hook on the connection's own thread, read by that thread.
final class WALFrameCount: @unchecked Sendable {
    var frames = 0
}

/// One SQLite connection, used by one thread at a time (the writer thread, or a reader checked out
/// of the pool). Statements are prepared once and cached by their SQL text.
@usableFromInline package final class SQLiteConnection: SQLDatabase, @unchecked Sendable {
    @usableFromInline package static var dialect: SQLDialect { .sqlite }

    private var handle: OpaquePointer?
    private var cache: [String: SQLiteStatement] = [:]
    let path: String

    package init(path: String, readOnly: Bool = false) throws(StoreError) {
        self.path = path
        let flags = (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE))
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_PRIVATECACHE
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close_v2(db)
            throw StoreError.unavailable("cannot open the database \(path): \(message)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 10_000)
    }

    deinit { close() }

    /// Finalizes the cached statements and closes the database handle; the connection is unusable
    /// afterwards. A store calls it when it closes, not at some later deinit: SQLite keys its
    /// locks and shared memory by the file's inode, so a handle left open on a database whose
    /// directory is then deleted can meet a new database that reuses the inode (in tests, that
    /// showed up as one store reading another's rows and as "disk I/O error").
    package func close() {
        guard let db = handle else { return }
        cache.removeAll()
        sqlite3_close_v2(db)
        handle = nil
    }

    /// The open handle, for the few C calls made outside this file (the online backup).
    func withHandle<T>(_ body: (OpaquePointer) throws(StoreError) -> T) throws(StoreError) -> T {
        guard let handle else { throw StoreError.unavailable("the database connection to \(path) is closed") }
        return try body(handle)
    }

    /// Frames in the write-ahead log after this connection's last commit (kept by a WAL hook,
    /// which replaces SQLite's own auto-checkpoint hook: only for a connection that has it off).
    private(set) var walFrames: WALFrameCount?

    func countWALFrames() {
        let counter = WALFrameCount()
        walFrames = counter
        sqlite3_wal_hook(handle, { context, _, _, frames in
            Unmanaged<WALFrameCount>.fromOpaque(context!).takeUnretainedValue().frames = Int(frames)
            return SQLITE_OK
        }, Unmanaged.passUnretained(counter).toOpaque())
    }

    /// A passive checkpoint on this connection: copies what it can without waiting for anyone.
    /// True when every frame of the log is now in the database file (so the next write
    /// transaction starts the log again from its beginning); false when another checkpoint was
    /// running or a reader still needs older frames.
    func checkpointPassively() -> Bool {
        var logFrames: Int32 = 0
        var copied: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(handle, "main", SQLITE_CHECKPOINT_PASSIVE, &logFrames, &copied)
        return rc == SQLITE_OK && logFrames == copied
    }

    /// Runs one or more statements that return no rows.
    package func execute(_ sql: String) throws(StoreError) {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? lastErrorMessage
            sqlite3_free(error)
            throw StoreError.fromSQLite(rc, message, sql: sql)
        }
    }

    /// A cached prepared statement. Every use resets it afterwards (`query` and `run` do, even when
    /// they throw), so a cached statement is already reset, with its bindings cleared.
    func statement(_ sql: String) throws(StoreError) -> SQLiteStatement {
        if let cached = cache[sql] { return cached }
        var stmt: OpaquePointer?
        let rc = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw StoreError.fromSQLite(rc, lastErrorMessage, sql: sql) }
        let statement = SQLiteStatement(stmt, connection: self)
        cache[sql] = statement
        return statement
    }

    /// Prepares, binds, and steps through every row, calling `row` for each.
    @usableFromInline package func query(_ sql: String, _ values: [SQLiteValue] = [], row: (SQLiteRow) throws(StoreError) -> Void) throws(StoreError) {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() { try row(SQLiteRow(statement: statement)) }
    }

    /// Runs a statement that changes rows; returns how many it changed.
    @discardableResult
    @usableFromInline package func run(_ sql: String, _ values: [SQLiteValue] = []) throws(StoreError) -> Int {
        let statement = try statement(sql)
        defer { statement.reset() }
        try statement.bind(values)
        while try statement.step() {}
        return Int(sqlite3_changes(handle))
    }

    /// The first column of the first row, if any.
    @usableFromInline package func scalar(_ sql: String, _ values: [SQLiteValue] = []) throws(StoreError) -> SQLiteValue? {
        var result: SQLiteValue?
        try query(sql, values) { (row) throws(StoreError) in if result == nil { result = row[0] } }
        return result
    }

    var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
    /// False when no transaction is open — also after SQLite rolled one back by itself (a full
    /// disk, an I/O error or no memory can end the whole transaction, not just the statement).
    var isInTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }
    var lastErrorMessage: String { String(cString: sqlite3_errmsg(handle)) }
    var lastErrorCode: Int32 { sqlite3_extended_errcode(handle) }
}

/// A value bound to or read from SQLite.
@usableFromInline package enum SQLiteValue: SQLValue {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)
    case blob([UInt8])

    @usableFromInline package var int: Int? { if case .integer(let v) = self { Int(v) } else { nil } }
    @usableFromInline package var int64: Int64? { if case .integer(let v) = self { v } else { nil } }
    @usableFromInline package var string: String? { if case .text(let v) = self { v } else { nil } }
    @usableFromInline package var bytes: [UInt8]? {
        switch self {
        case .blob(let b): b
        case .text(let t): Array(t.utf8)
        default: nil
        }
    }
    /// Booleans are stored as 0 and 1.
    @usableFromInline package static func boolean(_ value: Bool) -> SQLiteValue { .integer(value ? 1 : 0) }
    @usableFromInline package var bool: Bool { int == 1 }
}

protocol SQLiteBindable { var sqliteValue: SQLiteValue { get } }
extension Int: SQLiteBindable { var sqliteValue: SQLiteValue { .integer(Int64(self)) } }
extension Int64: SQLiteBindable { var sqliteValue: SQLiteValue { .integer(self) } }
extension String: SQLiteBindable { var sqliteValue: SQLiteValue { .text(self) } }
extension Bool: SQLiteBindable { var sqliteValue: SQLiteValue { .integer(self ? 1 : 0) } }
extension Optional: SQLiteBindable where Wrapped: SQLiteBindable {
    var sqliteValue: SQLiteValue { self?.sqliteValue ?? .null }
}
