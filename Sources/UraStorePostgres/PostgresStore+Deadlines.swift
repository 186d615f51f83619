import Foundation
import UraJSON
import UraModel
import UraProtocol
import UraStore

extension PostgresStore {
    /// The open and overdue deadlines `message` may meet (before its own changes): the condition
    /// `commit` also runs in its insert statement, parameters ?3 (type), ?6 (case), ?10 (in reply
    /// to) and ?23 (the sender's kind).
    static let meetableDeadlines = """
        SELECT id, series, due_at FROM deadlines
        WHERE case_ref = ?6 AND state IN ('open', 'overdue')
          AND expected @> jsonb_build_array(?3::text)
          AND (responsible_kinds = '[]'::jsonb OR responsible_kinds @> jsonb_build_array(?23::text))
          AND (?10::text IS NULL OR trigger_id = ?10::text
               OR EXISTS (SELECT 1 FROM deadline_triggers t WHERE t.deadline_id = deadlines.id AND t.trigger_id = ?10::text))
        """
}
