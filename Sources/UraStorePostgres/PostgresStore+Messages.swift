import Foundation
import UraJSON
import UraModel
import UraProtocol
import UraStore

extension PostgresStore {
    public func commit(_ message: AcceptedMessage) async throws(StoreError) -> CommitOutcome {
        // Everything that does not depend on the batch is built here, on the submitter's thread.
        let m = message.metadata
        let (recipients, participants, accepted) = PostgresStore.prepareCommit(message)
        let recipientNames = m.to.map(\.rawValue)
        let channelNames = m.to.map { (message.channels[$0] ?? .pull).rawValue }
        let pull = m.to.filter { (message.channels[$0] ?? .pull) == .pull }.map(\.rawValue)
        let fixed: [PostgresValue] = [
            .text(m.id.rawValue), .text(message.digest), .text(m.type.rawValue), .text(m.from.rawValue), .text(recipients),
            .text(m.caseReference.rawValue), .text(m.subject.rawValue), .text(m.priority.rawValue),
            m.county.map { .text($0.rawValue) } ?? .null, m.inReplyTo.map { .text($0.rawValue) } ?? .null,
            participants.map { .text($0) } ?? .null,
            .date(m.created), .date(m.expires), .date(message.acceptedAt), .blob(message.signedBytes), .blob(message.acceptedReceipt),
        ]
        let tail: [PostgresValue] = [.integer(m.priority.rank), PostgresValue.textArray(recipientNames), PostgresValue.textArray(channelNames),
                                     .text(message.senderKind.rawValue), .date(message.deliverUntil ?? m.expires),
                                     message.relayedBy.map { .text($0.rawValue) } ?? .null]
        @Sendable func parameters(_ index: Int, _ leaf: [UInt8], _ hash: [UInt8]) -> [PostgresValue] {
            fixed + [.integer(Int64(index)), .blob(leaf), .blob(hash)] + tail
        }
        // A message that arms, reports or cancels no deadline may be inserted with the others of its
        // batch in one go, before the ledger head is locked (`PostgresWriter`), as long as each turns
        // out new and meets no deadline.
        let effects = message.deadlines
        let pipelined = effects.arm.isEmpty && effects.reportOverdue.isEmpty && effects.cancel.isEmpty
            ? PipelinedCommit(id: m.id.rawValue,
                              meetable: (m.caseReference.rawValue, m.type.rawValue, m.inReplyTo?.rawValue, message.senderKind.rawValue),
                              event: accepted, parameters: parameters, pull: pull) : nil
        return try await writer.performCommit(pipelined: pipelined) { tx throws(StoreError) in
            // The message, its ledger entry and its deliveries in one statement (one round trip): the
            // entry and the deliveries are inserted only when the message is (a new id); the same
            // statement reads the deadlines the message may meet.
            let entry = tx.nextEntry(accepted)
            let ledgerIndex = entry.index
            var inserted: Int64?
            var deadlines: [(id: String, series: String, due: Date)] = []
            try tx.db.query(Self.commitStatement, parameters(entry.index, entry.leaf, entry.hash)) { (row) throws(StoreError) in
                inserted = row[0].int64
                if let id = row[1].string { deadlines.append((id, row[2].string ?? "", row[3].date ?? message.acceptedAt)) }
            }
            guard let seq = inserted else {
                return try PostgresStore.repeatedCommit(tx.db, message)
            }
            try tx.advance(entry.hash, leaf: entry.leaf)
            for recipient in pull { tx.notifyInbox(recipient) }
            try PostgresStore.applyDeadlines(PostgresSQLTransaction(tx: tx), message, seq: seq) { deadlines }
            return .committed(ledgerIndex: ledgerIndex, batch: tx.batch)
        }
    }

    /// Inserts a message (?1–?16), its ledger entry (?17 index, ?18 leaf, ?19 hash) and its
    /// deliveries (?20 priority rank, ?21 recipients, ?22 channels) when its id is new, and reads
    /// the deadlines it may meet (?23 the sender's kind), each delivery open until ?24, relayed by ?25 (or NULL): rows of (seq or NULL, deadline id, series, due).
    static let commitStatement = commitStatement(withLedgerEntry: true)

    /// `commitStatement` without the ledger entry, for a message inserted before the ledger head is
    /// locked (?17–?19 are not used): the writer appends the entry, which refers to the message by
    /// its `seq`, once it holds the head, in the same transaction.
    static let insertBeforeLockingStatement = commitStatement(withLedgerEntry: false)

    private static func commitStatement(withLedgerEntry: Bool) -> String {
        let ledgerEntry = withLedgerEntry ? "l AS (INSERT INTO ledger (idx, leaf, hash, message_seq) SELECT ?17, ?18, ?19, seq FROM m),\n" : ""
        return """
            WITH m AS (
                INSERT INTO messages (id, digest, type, sender, recipients, case_ref, subject, priority, county, in_reply_to,
                    participants, created_at, expires_at, accepted_at, jws, accepted_receipt, relayed_by)
                VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?25)
                ON CONFLICT (id) DO NOTHING RETURNING seq),
            \(ledgerEntry)d AS (INSERT INTO deliveries (message_seq, recipient, channel, state, priority, next_attempt_at, deliver_until)
                  SELECT m.seq, r.recipient, r.channel, 'pending', ?20, ?14, ?24
                  FROM m, unnest(?21::text[], ?22::text[]) AS r(recipient, channel))
            SELECT (SELECT seq FROM m), dl.id, dl.series, dl.due_at
            FROM (SELECT 1) AS one LEFT JOIN (\(meetableDeadlines)) AS dl ON true
            """
    }
}
