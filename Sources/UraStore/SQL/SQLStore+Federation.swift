import Foundation
import UraBasics
import UraJSON
import UraModel
import UraProtocol

/// Receipts relayed through a peer gateway and the queue of receipts owed to one.
extension SQLStore {
    @inlinable public func recordRelayAccepted(_ receipt: [UInt8], by peer: AgencyID, at: Date, for message: MessageID,
                                    recipient: AgencyID) async throws(StoreError) -> Bool {
        try await write { tx throws(StoreError) in
            var current: (sender: String, seq: Int64)?
            try tx.database.query("""
                SELECT m.sender, m.seq FROM deliveries d JOIN messages m ON m.seq = d.message_seq WHERE m.id = ? AND d.recipient = ?
                """, [.text(message.rawValue), .text(recipient.rawValue)]) { (row) throws(StoreError) in
                current = (row[0].string ?? "", row[1].int64 ?? -1)
            }
            guard let current else { throw StoreError.notFound("message \(message) has no delivery to \(recipient)") }
            // Once per message and recipient (the unique index receipts_relay_accepted).
            let inserted = try tx.database.run("""
                INSERT INTO receipts (sender, message_id, recipient, kind, at, jws) VALUES (?, ?, ?, 'accepted', ?, ?) ON CONFLICT DO NOTHING
                """, [.text(current.sender), .text(message.rawValue), .text(recipient.rawValue), .date(at), .blob(receipt)])
            guard inserted > 0 else { return false }
            try tx.appendToLedger(LedgerEvent(.deliveryRelayAccepted, at: at, message: message, agency: recipient, data: [
                "peer": .string(peer.rawValue), "receipt_sha256": .string(Hex.encode(tx.ledgerChain.hash(receipt))),
            ]), messageSeq: current.seq)
            return true
        }
    }

    @inlinable public func dueForwards(now: Date, limit: Int) throws(StoreError) -> [ReceiptForward] {
        try read { (db) throws(StoreError) in
            var due: [ReceiptForward] = []
            try db.query("""
                SELECT message_id, recipient, peer, receipt, queued_at, attempts, next_attempt_at, last_error FROM receipt_forwards
                WHERE done_at IS NULL AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?
                """, [.date(now), .integer(Int64(limit))]) { (row) throws(StoreError) in
                guard let message = try? MessageID(row[0].string ?? ""), let recipient = try? AgencyID(row[1].string ?? ""),
                      let peer = try? AgencyID(row[2].string ?? "") else {
                    throw StoreError.corrupt("a receipt forward has an invalid message, recipient or peer")
                }
                due.append(ReceiptForward(message: message, recipient: recipient, peer: peer, receipt: row[3].bytes ?? [],
                                          queuedAt: row[4].date ?? .distantPast, attempts: row[5].int ?? 0,
                                          nextAttemptAt: row[6].date ?? .distantPast, lastError: row[7].string))
            }
            return due
        }
    }

    @inlinable public func nextForwardTime() throws(StoreError) -> Date? {
        try read { (db) throws(StoreError) in try db.scalar("SELECT min(next_attempt_at) FROM receipt_forwards WHERE done_at IS NULL", [])?.date }
    }

    @inlinable public func recordForwardAttempt(message: MessageID, recipient: AgencyID, at: Date, error: String?, next: Date?) async throws(StoreError) {
        try await write { tx throws(StoreError) in
            let key: [Database.Value] = [.text(message.rawValue), .text(recipient.rawValue)]
            let errorValue: Database.Value = error.map { .text($0) } ?? .null
            let changed: Int
            if let next {
                changed = try tx.database.run("""
                    UPDATE receipt_forwards SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?
                    WHERE message_id = ? AND recipient = ? AND done_at IS NULL
                    """, [errorValue, .date(next)] + key)
            } else {
                changed = try tx.database.run("""
                    UPDATE receipt_forwards SET attempts = attempts + 1, last_error = ?, done_at = ?
                    WHERE message_id = ? AND recipient = ? AND done_at IS NULL
                    """, [errorValue, .date(at)] + key)
            }
            if changed == 0, try tx.database.scalar("SELECT 1 FROM receipt_forwards WHERE message_id = ? AND recipient = ?", key) == nil {
                throw StoreError.notFound("no receipt of \(message) for \(recipient) is queued to be forwarded")
            }
        }
    }
}
