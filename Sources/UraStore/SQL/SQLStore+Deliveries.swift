import Foundation
import UraBasics
import UraJSON
import UraModel
import UraProtocol

/// Deliveries: claims (the backend marks each lease: `SQLStore.markLeased`), outcomes, expired
/// leases, redrives, channel changes and the reads of open deliveries, the same on both backends.
extension SQLStore {
    @inlinable public func claimDue(_ request: ClaimRequest) async throws(StoreError) -> [DeliveryJob] {
        try await write { tx throws(StoreError) in
            var picked: [(seq: Int64, recipient: String)] = []
            // Each agency gets what its parallel limit leaves beside its deliveries in flight, so a
            // backlog to one agency (its endpoint down for a day) never hides the others' behind it.
            // An agency already at its limit is left out before the sort: its backlog costs a scan,
            // not a sort.
            try tx.database.query(Database.dialect.claimDue, [
                .text(request.channel.rawValue), .date(request.now), .integer(Int64(request.perRecipientLimit)), .integer(Int64(request.limit)),
            ]) { (row) throws(StoreError) in
                picked.append((row[0].int64 ?? -1, row[1].string ?? ""))
            }
            var jobs: [DeliveryJob] = []
            for pick in picked {
                if let job = try Self.lease(tx, seq: pick.seq, recipient: pick.recipient, now: request.now, until: request.leaseUntil) { jobs.append(job) }
            }
            return jobs
        }
    }

    @inlinable public func claimInbox(recipient: AgencyID, now: Date, limit: Int, maxBytes: Int, leaseUntil: Date) async throws(StoreError) -> [DeliveryJob] {
        try await write { tx throws(StoreError) in
            var picked: [Int64] = []
            var bytes = 0, full = false
            try tx.database.query(Database.dialect.claimInbox, [.text(recipient.rawValue), .date(now), .date(now), .integer(Int64(limit))]) { (row) throws(StoreError) in
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

    /// Leases one delivery (`markLeased`, the backend's) and returns what is needed to hand it
    /// over; nil when the backend could not lease it.
    @inlinable package static func lease(_ tx: Transaction, seq: Int64, recipient: String, now: Date, until: Date) throws(StoreError) -> DeliveryJob? {
        guard try markLeased(tx, seq: seq, recipient: recipient, now: now, until: until) else { return nil }
        var job: DeliveryJob?
        try tx.database.query("""
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
        try tx.appendToLedger(LedgerEvent(.deliveryLeased, at: now, message: job.message, agency: job.recipient,
                                          data: ["attempt": .number(Double(job.attempt)), "lease_until": .string(RFC3339.string(from: until))]),
                              messageSeq: seq)
        return job
    }

    @inlinable public func record(_ outcome: DeliveryOutcome, for message: MessageID, recipient: AgencyID) async throws(StoreError) -> Bool {
        try await write { tx throws(StoreError) in
            var current: (state: DeliveryState, sender: String, attempts: Int, seq: Int64, relayedBy: String?)?
            try tx.database.query("""
                SELECT d.state, m.sender, d.attempts, m.seq, m.relayed_by FROM deliveries d JOIN messages m ON m.seq = d.message_seq
                WHERE m.id = ? AND d.recipient = ?
                """, [.text(message.rawValue), .text(recipient.rawValue)]) { (row) throws(StoreError) in
                current = (DeliveryState(rawValue: row[0].string ?? "") ?? .pending, row[1].string ?? "", row[2].int ?? 0, row[3].int64 ?? -1,
                           row[4].string)
            }
            guard let current else { throw StoreError.notFound("message \(message) has no delivery to \(recipient)") }
            let seq = current.seq
            let key: [Database.Value] = [.integer(seq), .text(recipient.rawValue)]
            switch outcome {
            case .delivered(let receipt, let at):
                guard current.state != .delivered else { return false }
                try tx.database.run(Database.dialect.markDelivered, [.date(at), .blob(receipt)] + key)
                try Self.appendFeed(tx, sender: current.sender, message: message, recipient: recipient, kind: .delivered, at: at, signed: receipt)
                if let peer = current.relayedBy {
                    // Relayed by a peer gateway: the receipt is owed to it, queued in this same transaction.
                    try tx.database.run("""
                        INSERT INTO receipt_forwards (message_id, recipient, peer, receipt, queued_at, attempts, next_attempt_at)
                        VALUES (?, ?, ?, ?, ?, 0, ?) ON CONFLICT DO NOTHING
                        """, [.text(message.rawValue), .text(recipient.rawValue), .text(peer), .blob(receipt), .date(at), .date(at)])
                }
                try Self.noteHealth(tx, recipient, success: true, at: at, error: nil)
                // After a dead letter (the recipient acknowledged, or its endpoint answered, after
                // the gateway gave up) the recipient's signed receipt is the truth: the delivery is
                // delivered, the sender's feed gets it after the failed one, the ledger says so.
                var data: JSONObject = ["receipt_sha256": .string(Hex.encode(tx.ledgerChain.hash(receipt)))]
                if current.state == .deadLetter { data["after_dead_letter"] = true }
                try tx.appendToLedger(LedgerEvent(.deliveryDelivered, at: at, message: message, agency: recipient, data: data), messageSeq: seq)
                try Self.settleMessageIfDone(tx, seq: seq, at: at)
            case .retry(let error, let at, let next):
                guard current.state == .inFlight else { return false }
                try tx.database.run(Database.dialect.markRetry, [.date(next), .text(error)] + key)
                try tx.appendToLedger(LedgerEvent(.deliveryRetryScheduled, at: at, message: message, agency: recipient, data: [
                    "attempt": .number(Double(current.attempts)), "next_attempt": .string(RFC3339.string(from: next)), "error": .string(error),
                ]), messageSeq: seq)
                try Self.noteHealth(tx, recipient, success: false, at: at, error: error)
            case .failed(let error, let at, let failedReceipt):
                guard !current.state.isSettled else { return false }
                try tx.database.run(Database.dialect.markDeadLetter, [.date(at), .blob(failedReceipt), .text(error)] + key)
                try Self.appendFeed(tx, sender: current.sender, message: message, recipient: recipient, kind: .failed, at: at, signed: failedReceipt)
                try tx.appendToLedger(LedgerEvent(.deliveryDeadLetter, at: at, message: message, agency: recipient, data: [
                    "attempts": .number(Double(current.attempts)), "error": .string(error),
                    "receipt_sha256": .string(Hex.encode(tx.ledgerChain.hash(failedReceipt))),
                ]), messageSeq: seq)
                try Self.settleMessageIfDone(tx, seq: seq, at: at)
            }
            return true
        }
    }

    /// Keeps the recipient's reachability up to date: a success resets the failure run.
    @inlinable package static func noteHealth(_ tx: Transaction, _ agency: AgencyID, success: Bool, at: Date, error: String?) throws(StoreError) {
        if success {
            try tx.database.run("""
                INSERT INTO agency_health (agency, last_success_at, consecutive_failures) VALUES (?, ?, 0)
                ON CONFLICT(agency) DO UPDATE SET last_success_at = excluded.last_success_at, consecutive_failures = 0,
                    failing_since = NULL, alerted_at = NULL
                """, [.text(agency.rawValue), .date(at)])
        } else {
            try tx.database.run("""
                INSERT INTO agency_health (agency, last_failure_at, failing_since, consecutive_failures, last_error) VALUES (?, ?, ?, 1, ?)
                ON CONFLICT(agency) DO UPDATE SET last_failure_at = excluded.last_failure_at,
                    failing_since = coalesce(agency_health.failing_since, excluded.failing_since),
                    consecutive_failures = agency_health.consecutive_failures + 1, last_error = excluded.last_error
                """, [.text(agency.rawValue), .date(at), .date(at), .text(error ?? "")])
        }
    }

    @inlinable package static func appendFeed(_ tx: Transaction, sender: String, message: MessageID, recipient: AgencyID,
                                              kind: Receipt.Kind, at: Date, signed: [UInt8]) throws(StoreError) {
        try tx.database.run("INSERT INTO receipts (sender, message_id, recipient, kind, at, jws) VALUES (?, ?, ?, ?, ?, ?)",
                            [.text(sender), .text(message.rawValue), .text(recipient.rawValue), .text(kind.rawValue), .date(at), .blob(signed)])
    }

    /// A message is settled once every recipient has a receipt; retention counts from then.
    @inlinable package static func settleMessageIfDone(_ tx: Transaction, seq: Int64, at: Date) throws(StoreError) {
        try tx.database.run("""
            UPDATE messages SET settled_at = ? WHERE seq = ? AND NOT EXISTS (
                SELECT 1 FROM deliveries WHERE message_seq = ? AND state NOT IN ('delivered', 'dead_letter'))
            """, [.date(at), .integer(seq), .integer(seq)])
    }

    @inlinable public func releaseExpiredLeases(now: Date) async throws(StoreError) -> Int {
        try await write { tx throws(StoreError) in
            var expired: [(seq: Int64, id: String, recipient: String, attempts: Int, pull: Bool)] = []
            try tx.database.query(Database.dialect.expiredLeases, [.date(now)]) { (row) throws(StoreError) in
                expired.append((row[0].int64 ?? -1, row[1].string ?? "", row[2].string ?? "", row[3].int ?? 0, row[4].string == "pull"))
            }
            for lapsed in expired {
                try tx.database.run(Database.dialect.releaseExpiredLease, [.date(now), .integer(lapsed.seq), .text(lapsed.recipient)])
                try tx.appendToLedger(LedgerEvent(.deliveryLeaseExpired, at: now, message: try? MessageID(lapsed.id),
                                                agency: try? AgencyID(lapsed.recipient), data: ["attempt": .number(Double(lapsed.attempts))]),
                                    messageSeq: lapsed.seq)
                // Back in a pull recipient's inbox: a long poll held by any node wakes for it.
                if lapsed.pull { tx.notifyInboxAfterCommit(lapsed.recipient) }
            }
            return expired.count
        }
    }

    @inlinable public func expiredDeliveries(now: Date, limit: Int) throws(StoreError) -> [ExpiredDelivery] {
        try read { (db) throws(StoreError) in
            var expired: [ExpiredDelivery] = []
            try db.query("""
                SELECT m.id, d.recipient, d.channel, m.digest, d.attempts, d.deliver_until FROM deliveries d
                JOIN messages m ON m.seq = d.message_seq
                WHERE d.state IN ('pending', 'retry_scheduled') AND d.deliver_until <= ? ORDER BY d.deliver_until LIMIT ?
                """, [.date(now), .integer(Int64(limit))]) { (row) throws(StoreError) in
                guard let id = try? MessageID(row[0].string ?? ""), let recipient = try? AgencyID(row[1].string ?? ""),
                      let channel = DeliveryChannel(rawValue: row[2].string ?? "")
                else { throw StoreError.corrupt("an open delivery row has an invalid id, recipient or channel") }
                expired.append(ExpiredDelivery(message: id, recipient: recipient, channel: channel, digest: row[3].string ?? "",
                                               attempts: row[4].int ?? 0, deliverUntil: row[5].date ?? now))
            }
            return expired
        }
    }

    @inlinable public func redrive(message: MessageID, recipient: AgencyID, now: Date, until: Date, by operatorName: String) async throws(StoreError) {
        try await write { tx throws(StoreError) in
            var state: DeliveryState?
            var purged = false
            var seq: Int64 = -1
            var pull = false
            try tx.database.query(Database.dialect.redriveLookup, [.text(message.rawValue), .text(recipient.rawValue)]) { (row) throws(StoreError) in
                state = DeliveryState(rawValue: row[0].string ?? "")
                purged = row[1].int == 1
                seq = row[2].int64 ?? -1
                pull = row[3].string == "pull"
            }
            guard let state else { throw StoreError.notFound("message \(message) has no delivery to \(recipient)") }
            guard state == .deadLetter else {
                throw StoreError.invalidState("the delivery of \(message) to \(recipient) is \(state.rawValue), not a dead letter; only dead letters can be redriven")
            }
            guard !purged else {
                throw StoreError.invalidState("the body of \(message) has been purged under the retention policy; ask the sender to send it again")
            }
            try tx.database.run(Database.dialect.redriveReset, [.date(now), .date(until), .integer(seq), .text(recipient.rawValue)])
            try tx.database.run("UPDATE messages SET settled_at = NULL WHERE seq = ?", [.integer(seq)])
            try tx.appendToLedger(LedgerEvent(.deliveryRedriven, at: now, message: message, agency: recipient, data: [
                "by": .string(operatorName), "until": .string(RFC3339.string(from: until)),
            ]), messageSeq: seq)
            if pull { tx.notifyInboxAfterCommit(recipient.rawValue) }
        }
    }

    @inlinable public func nextDueTime(channel: DeliveryChannel) throws(StoreError) -> Date? {
        try read { (db) throws(StoreError) in
            // One lookup per priority: with the priority fixed, the first entry of the due index
            // is the minimum (a min over every priority would read each due row).
            try db.scalar("""
                SELECT min(t) FROM (
                    SELECT (SELECT min(next_attempt_at) FROM deliveries
                            WHERE channel = ?1 AND priority = p.rank AND state IN ('pending', 'retry_scheduled')) AS t
                    FROM (SELECT \(Priority.allCases.map { "\($0.rank) AS rank" }.joined(separator: " UNION ALL SELECT ")) ) AS p)\(Database.dialect.subqueryAlias)
                """, [.text(channel.rawValue)])?.date
        }
    }

    @inlinable public func setChannel(_ channel: DeliveryChannel, for recipient: AgencyID, now: Date) async throws(StoreError) {
        try await write { tx throws(StoreError) in
            let changed = try tx.database.run("""
                UPDATE deliveries SET channel = ? WHERE recipient = ? AND channel != ? AND state IN ('pending', 'retry_scheduled', 'in_flight')
                """, [.text(channel.rawValue), .text(recipient.rawValue), .text(channel.rawValue)])
            if changed > 0 {
                try tx.appendToLedger(LedgerEvent(.deliveryChannelChanged, at: now, agency: recipient, data: [
                    "channel": .string(channel.rawValue), "deliveries": .number(Double(changed)),
                ]))
                if channel == .pull { tx.notifyInboxAfterCommit(recipient.rawValue) }
            }
        }
    }
}
