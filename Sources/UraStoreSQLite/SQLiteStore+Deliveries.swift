import Foundation
import UraStore

extension SQLiteStore {
    /// One node, one writer: a due delivery is always leased.
    @usableFromInline package static func markLeased(_ tx: SQLiteSQLTransaction, seq: Int64, recipient: String, now: Date, until: Date) throws(StoreError) -> Bool {
        try tx.database.run("""
            UPDATE deliveries SET state = 'in_flight', attempts = attempts + 1, lease_until = ?, last_attempt_at = ?
            WHERE message_seq = ? AND recipient = ?
            """, [.date(until), .date(now), .integer(seq), .text(recipient)])
        return true
    }
}
