import Foundation
import UraJSON
import UraModel
import UraProtocol
import UraStore

extension SQLiteStore {
    public func commit(_ message: AcceptedMessage) async throws(StoreError) -> CommitOutcome {
        // Everything that does not depend on the batch is built here, on the submitter's thread.
        let m = message.metadata
        let (recipients, participants, accepted) = SQLiteStore.prepareCommit(message)
        return try await writer.perform { tx throws(StoreError) in
            let ledgerIndex = tx.head.nextIndex
            // Insert first and look only when the id is taken: the common case costs one lookup, not two.
            let inserted = try tx.db.run("""
                INSERT INTO messages (id, digest, type, sender, recipients, case_ref, subject, priority, county, in_reply_to,
                    participants, created_at, expires_at, accepted_at, jws, accepted_receipt, ledger_index, relayed_by)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO NOTHING
                """, [
                    .text(m.id.rawValue), .text(message.digest), .text(m.type.rawValue), .text(m.from.rawValue), .text(recipients),
                    .text(m.caseReference.rawValue), .text(m.subject.rawValue), .text(m.priority.rawValue),
                    m.county.map { .text($0.rawValue) } ?? .null, m.inReplyTo.map { .text($0.rawValue) } ?? .null,
                    participants.map { .text($0) } ?? .null,
                    .date(m.created), .date(m.expires), .date(message.acceptedAt), .blob(message.signedBytes),
                    .blob(message.acceptedReceipt), .integer(Int64(ledgerIndex)), message.relayedBy.map { .text($0.rawValue) } ?? .null,
                ])
            if inserted == 0 {
                return try SQLiteStore.repeatedCommit(tx.db, message)
            }
            let seq = tx.db.lastInsertRowID
            let appended = try tx.appendLedger(accepted, messageSeq: seq)
            precondition(appended == ledgerIndex, "the ledger index recorded with the message must be its entry's")
            for recipient in m.to {
                try tx.db.run("""
                    INSERT INTO deliveries (message_seq, recipient, channel, state, priority, next_attempt_at, deliver_until)
                    VALUES (?, ?, ?, 'pending', ?, ?, ?)
                    """, [.integer(seq), .text(recipient.rawValue), .text((message.channels[recipient] ?? .pull).rawValue),
                          .integer(m.priority.rank), .date(message.acceptedAt), .date(message.deliverUntil ?? m.expires)])
            }
            try Self.applyDeadlines(tx, message, seq: seq)
            return .committed(ledgerIndex: ledgerIndex, batch: tx.batch)
        }
    }
}
