import UraStore

extension StoreError {
    /// The store error for a failed statement: a lost or refusing server (connection errors, the
    /// server shutting down or out of resources, a standby that takes no writes, a deadlock or
    /// serialization failure worth retrying) is `unavailable`; data corruption, and a migration
    /// that refuses the data it finds, is `corrupt`; anything else a plain database error.
    static func fromPostgres(sqlState: String?, message: String, lostConnection: Bool, target: String, sql: String?) -> StoreError {
        let context = sql.map { " (in: \($0.trimmingCharacters(in: .whitespacesAndNewlines).prefix(80)))" } ?? ""
        if lostConnection { return .unavailable("lost the connection to PostgreSQL at \(target): \(message)") }
        let state = sqlState ?? ""
        switch state.prefix(2) {
        case "08", "53", "57", "58": return .unavailable("PostgreSQL at \(target): \(message)")
        case "XX" where state == "XX001" || state == "XX002": return .corrupt("\(message)\(context)")
        default: break
        }
        switch state {
        case "25006": return .unavailable("PostgreSQL at \(target) is read-only (a standby?): \(message)")
        case "40001", "40P01": return .unavailable("PostgreSQL at \(target): \(message); try again")
        // RAISE EXCEPTION: only a migration's own check raises, refusing a database changed outside urad.
        case "P0001": return .corrupt(message)
        default: return .invalidState("database error \(state): \(message)\(context)")
        }
    }
}
