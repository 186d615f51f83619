import Foundation
import UraJSON
import UraModel
import UraProtocol
import UraStore

extension PostgresStore {
    /// The open and overdue deadlines a message may meet (before its own changes), for its type,
    /// case, the message it replies to (or NULL) and its sender's kind as SQL expressions of text.
    static func meetableDeadlines(type: String, caseRef: String, inReplyTo: String, senderKind: String) -> String {
        """
        SELECT id, series, due_at FROM deadlines
        WHERE case_ref = \(caseRef) AND state IN ('open', 'overdue')
          AND expected @> jsonb_build_array(\(type))
          AND (responsible_kinds = '[]'::jsonb OR responsible_kinds @> jsonb_build_array(\(senderKind)))
          AND (\(inReplyTo) IS NULL OR trigger_id = \(inReplyTo)
               OR EXISTS (SELECT 1 FROM deadline_triggers t WHERE t.deadline_id = deadlines.id AND t.trigger_id = \(inReplyTo)))
        """
    }

    /// `meetableDeadlines` in the statement that inserts a message (`commitStatement`): parameters
    /// ?3 (type), ?6 (case), ?10 (in reply to) and ?23 (the sender's kind).
    static let meetableDeadlines = meetableDeadlines(type: "?3::text", caseRef: "?6", inReplyTo: "?10::text", senderKind: "?23::text")

    /// How many of the messages a batch inserted before it locked the ledger head now have a
    /// deadline to meet (?1 cases, ?2 types, ?3 the messages they reply to, ?4 their senders' kinds):
    /// one armed by a batch that committed after the insert looked and before the lock was
    /// granted. Run once the head is locked; more than none sends the batch back to one job at a
    /// time, head locked first, so each message meets what was armed before it in the ledger.
    static let meetableAfterLocking = """
        SELECT count(*) FROM unnest(?1::text[], ?2::text[], ?3::text[], ?4::text[]) AS m(case_ref, type, in_reply_to, sender_kind)
        WHERE EXISTS (\(meetableDeadlines(type: "m.type", caseRef: "m.case_ref", inReplyTo: "m.in_reply_to", senderKind: "m.sender_kind")))
        """
}
