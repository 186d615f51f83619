import Foundation
import UraStore

extension PostgresStore {
    /// Leases with `leased_until` and `leased_by` this node; false when another transaction holds
    /// the row (`SKIP LOCKED`) or it is no longer due.
    @usableFromInline package static func markLeased(_ tx: PostgresSQLTransaction, seq: Int64, recipient: String, now: Date, until: Date) throws(StoreError) -> Bool {
        let claimed = try tx.database.run("""
            UPDATE deliveries SET state = 'in_flight', attempts = attempts + 1, leased_until = ?, leased_by = ?, last_attempt_at = ?
            WHERE (message_seq, recipient) IN (
                SELECT message_seq, recipient FROM deliveries
                WHERE message_seq = ? AND recipient = ? AND state IN ('pending', 'retry_scheduled')
                FOR UPDATE SKIP LOCKED)
            """, [.date(until), .text(tx.tx.node), .date(now), .integer(seq), .text(recipient)])
        return claimed == 1
    }
}
