import Foundation
import UraBasics
import UraJSON
import UraModel
import UraProtocol
import UraStore

extension PostgresStore {
    public func claimDue(_ request: ClaimRequest) async throws(StoreError) -> [DeliveryJob] {
        try await writer.perform { tx throws(StoreError) in
            var picked: [(seq: Int64, recipient: String)] = []
            // Each agency gets what its parallel limit leaves beside its deliveries in flight, so a
            // backlog to one agency (its endpoint down for a day) never hides the others' behind it.
            // An agency already at its limit is left out before the sort: its backlog costs a scan,
            // not a sort. Each picked row is then locked with SKIP LOCKED (`lease`).
            try tx.db.query("""
                WITH busy(recipient, n) AS (
                    SELECT recipient, count(*) FROM deliveries WHERE state = 'in_flight' AND channel = ?1 GROUP BY recipient)
                SELECT message_seq, recipient FROM (
                    SELECT d.message_seq, d.recipient, d.priority, d.next_attempt_at, coalesce(b.n, 0) AS busy,
                        row_number() OVER (PARTITION BY d.recipient ORDER BY d.priority DESC, d.next_attempt_at) AS place
                    FROM deliveries d LEFT JOIN busy b ON b.recipient = d.recipient
                    WHERE d.channel = ?1 AND d.state IN ('pending', 'retry_scheduled') AND d.next_attempt_at <= ?2 AND coalesce(b.n, 0) < ?3) AS due
                WHERE busy + place <= ?3 ORDER BY priority DESC, next_attempt_at LIMIT ?4
                """, [.text(request.channel.rawValue), .date(request.now), .integer(Int64(request.perRecipientLimit)),
                      .integer(Int64(request.limit))]) { (row) throws(StoreError) in
                picked.append((row[0].int64 ?? -1, row[1].string ?? ""))
            }
            var jobs: [DeliveryJob] = []
            for pick in picked {
                if let job = try Self.lease(tx, seq: pick.seq, recipient: pick.recipient, now: request.now, until: request.leaseUntil) { jobs.append(job) }
            }
            return jobs
        }
    }

    public func claimInbox(recipient: AgencyID, now: Date, limit: Int, maxBytes: Int, leaseUntil: Date) async throws(StoreError) -> [DeliveryJob] {
        try await writer.perform { tx throws(StoreError) in
            var picked: [Int64] = []
            var bytes = 0, full = false
            try tx.db.query("""
                SELECT d.message_seq, octet_length(m.jws) FROM deliveries d JOIN messages m ON m.seq = d.message_seq
                WHERE d.recipient = ? AND d.channel = 'pull' AND d.state IN ('pending', 'retry_scheduled') AND d.next_attempt_at <= ?
                    AND d.deliver_until > ?
                ORDER BY d.priority DESC, d.next_attempt_at LIMIT ?
                """, [.text(recipient.rawValue), .date(now), .date(now), .integer(Int64(limit))]) { (row) throws(StoreError) in
                let size = row[1].int ?? 0
                guard !full, picked.isEmpty || bytes + size <= maxBytes else {
                    full = true  // in order: a large message is not overtaken by smaller ones
                    return
                }
                bytes += size
                picked.append(row[0].int64 ?? -1)
            }
            var jobs: [DeliveryJob] = []
            for seq in picked {
                if let job = try Self.lease(tx, seq: seq, recipient: recipient.rawValue, now: now, until: leaseUntil) { jobs.append(job) }
            }
            return jobs
        }
    }

    /// Marks one delivery in flight under a lease (`leased_until`, `leased_by` this node) and returns
    /// what is needed to hand it over; nil when another transaction holds the row (`SKIP LOCKED`) or
    /// it is no longer due.
    private static func lease(_ tx: PostgresTransaction, seq: Int64, recipient: String, now: Date, until: Date) throws(StoreError) -> DeliveryJob? {
        let claimed = try tx.db.run("""
            UPDATE deliveries SET state = 'in_flight', attempts = attempts + 1, leased_until = ?, leased_by = ?, last_attempt_at = ?
            WHERE (message_seq, recipient) IN (
                SELECT message_seq, recipient FROM deliveries
                WHERE message_seq = ? AND recipient = ? AND state IN ('pending', 'retry_scheduled')
                FOR UPDATE SKIP LOCKED)
            """, [.date(until), .text(tx.node), .date(now), .integer(seq), .text(recipient)])
        guard claimed == 1 else { return nil }
        var job: DeliveryJob?
        try tx.db.query("""
            SELECT m.id, d.recipient, m.sender, m.type, m.priority, m.digest, m.jws, d.attempts, d.deliver_until, m.accepted_at
            FROM deliveries d JOIN messages m ON m.seq = d.message_seq WHERE d.message_seq = ? AND d.recipient = ?
            """, [.integer(seq), .text(recipient)]) { (row) throws(StoreError) in
            guard let id = try? MessageID(row[0].string ?? ""), let to = try? AgencyID(row[1].string ?? ""),
                  let from = try? AgencyID(row[2].string ?? ""), let type = try? MessageType(row[3].string ?? ""),
                  let bytes = row[6].bytes
            else { throw StoreError.corrupt("delivery \(seq) → \(recipient) has no message to deliver") }
            job = DeliveryJob(message: id, recipient: to, sender: from, type: type,
                              priority: Priority(rawValue: row[4].string ?? "") ?? .normal, digest: row[5].string ?? "",
                              signedBytes: bytes, attempt: row[7].int ?? 1, deliverUntil: row[8].date ?? now,
                              acceptedAt: row[9].date ?? now)
        }
        guard let job else { throw StoreError.notFound("delivery of message \(seq) to \(recipient)") }
        try tx.appendLedger(LedgerEvent(.deliveryLeased, at: now, message: job.message, agency: job.recipient,
                                        data: ["attempt": .number(Double(job.attempt)), "lease_until": .string(RFC3339.string(from: until))]),
                            messageSeq: seq)
        return job
    }
}
