import CSQLite
import UraStore

extension StoreError {
    /// The store error for an SQLite result code: full disk and I/O are unavailable, corruption is corrupt.
    static func fromSQLite(_ code: Int32, _ message: String, sql: String?) -> StoreError {
        let context = sql.map { " (in: \($0.prefix(80)))" } ?? ""
        switch code & 0xFF {
        case SQLITE_FULL: return .unavailable("the disk is full: \(message)")
        case SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_READONLY, SQLITE_BUSY, SQLITE_LOCKED, SQLITE_NOMEM:
            return .unavailable("\(message)\(context)")
        case SQLITE_CORRUPT, SQLITE_NOTADB: return .corrupt("\(message)\(context)")
        default: return .invalidState("database error \(code): \(message)\(context)")
        }
    }
}
