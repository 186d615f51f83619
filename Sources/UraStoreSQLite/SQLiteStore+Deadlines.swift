import Foundation
import UraModel
import UraProtocol
import UraStore

extension SQLiteStore {
    /// `SQLStore.applyDeadlines`, with the deadlines the message may meet found here.
    static func applyDeadlines(_ tx: WriteTransaction, _ message: AcceptedMessage, seq: Int64) throws(StoreError) {
        let m = message.metadata
        let at = message.acceptedAt
        try applyDeadlines(SQLiteSQLTransaction(tx: tx), message, seq: seq) { () throws(StoreError) in
            // Runs for every message: one equality probe per open state, sorted here. `state IN (...)` would
            // make SQLite build a temporary b-tree for the list on every run, and a bound state would make it
            // prepare the statement again whenever the value changes (it is compared with partial indexes).
            var matches: [(id: String, series: String, due: Date)] = []
            for state in ["'open'", "'overdue'"] {
                try tx.db.query("""
                    SELECT id, series, due_at FROM deadlines
                    WHERE case_ref = ?1 AND state = \(state)
                      AND EXISTS (SELECT 1 FROM json_each(expected) WHERE value = ?2)
                      AND (responsible_kinds = '[]' OR EXISTS (SELECT 1 FROM json_each(responsible_kinds) WHERE value = ?3))
                      AND (?4 IS NULL OR trigger_id = ?4
                           OR EXISTS (SELECT 1 FROM deadline_triggers t WHERE t.deadline_id = deadlines.id AND t.trigger_id = ?4))
                    """, [.text(m.caseReference.rawValue), .text(m.type.rawValue), .text(message.senderKind.rawValue),
                          m.inReplyTo.map { .text($0.rawValue) } ?? .null]) { (row) throws(StoreError) in
                    matches.append((row[0].string ?? "", row[1].string ?? "", row[2].date ?? at))
                }
            }
            return matches
        }
    }
}
