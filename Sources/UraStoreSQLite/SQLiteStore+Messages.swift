import Foundation
import UraJSON
import UraModel
import UraProtocol
import UraStore

extension SQLiteStore {
    public func commit(_ message: AcceptedMessage) async throws(StoreError) -> CommitOutcome {
        // Everything that does not depend on the batch is built here, on the submitter's thread:
        // the single writer only binds values and chains the ledger entry.
        let m = message.metadata
        let recipients = JSONValue.array(m.to.map { .string($0.rawValue) }).serializedString()
        let participants = m.participants.map { JSONValue.array($0.map { .string($0.rawValue) }).serializedString() }
        let accepted = PreparedLedgerEvent(MessageBinding.acceptedEvent(m, digest: message.digest, at: message.acceptedAt))
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
                var existing: (digest: String, receipt: [UInt8])?
                try tx.db.query("SELECT digest, accepted_receipt FROM messages WHERE id = ?", [.text(m.id.rawValue)]) { (row) throws(StoreError) in
                    existing = (row[0].string ?? "", row[1].bytes ?? [])
                }
                guard let existing else { throw StoreError.corrupt("message \(m.id) is neither new nor stored") }
                return existing.digest == message.digest
                    ? .duplicate(acceptedReceipt: existing.receipt) : .conflict(existingDigest: existing.digest)
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

    /// The columns `storedMessage(_:)` reads, for a query `FROM messages m`.
    static let messageColumns = """
        m.id, m.digest, m.type, m.sender, m.recipients, m.case_ref, m.subject, m.priority, m.county, m.in_reply_to, m.participants,
        m.created_at, m.expires_at, m.accepted_at, m.settled_at, m.purged_at, m.jws, m.accepted_receipt, m.ledger_index
        """

    public func message(_ id: MessageID) throws(StoreError) -> StoredMessage? {
        try read { (db) throws(StoreError) in
            var result: StoredMessage?
            try db.query("SELECT \(Self.messageColumns) FROM messages m WHERE m.id = ?", [.text(id.rawValue)]) { (row) throws(StoreError) in
                result = try Self.storedMessage(row)
            }
            return result
        }
    }

    public func messageCount() throws(StoreError) -> Int {
        try read { (db) throws(StoreError) in try db.scalar("SELECT count(*) FROM messages")?.int ?? 0 }
    }

    static func storedMessage(_ row: SQLiteRow) throws(StoreError) -> StoredMessage {
        func parse<T>(_ what: String, _ make: () throws -> T) throws(StoreError) -> T {
            do { return try make() } catch { throw StoreError.corrupt("message row has an invalid \(what): \(error)") }
        }
        func list(_ value: SQLiteValue) throws(StoreError) -> [String]? {
            guard let text = value.string else { return nil }
            return try parse("list") { try JSONValue(parsing: text).arrayValue?.compactMap(\.stringValue) ?? [] }
        }
        let metadata = try parse("envelope") { () throws -> MessageMetadata in
            try MessageMetadata(
                id: MessageID(row[0].string ?? ""), type: MessageType(row[2].string ?? ""), from: AgencyID(row[3].string ?? ""),
                to: (list(row[4]) ?? []).map { try AgencyID($0) }, caseReference: CaseReference(row[5].string ?? ""),
                subject: SubjectCategory(rawValue: row[6].string ?? "") ?? .unknown,
                priority: Priority(rawValue: row[7].string ?? "") ?? .normal,
                created: row[11].date ?? .distantPast, expires: row[12].date ?? .distantPast,
                inReplyTo: row[9].string.map { try MessageID($0) },
                participants: list(row[10])?.compactMap(DeclarantRole.init(rawValue:)),
                county: row[8].string.flatMap(County.init(rawValue:)))
        }
        return StoredMessage(
            metadata: metadata, digest: row[1].string ?? "", acceptedAt: row[13].date ?? .distantPast,
            settledAt: row[14].date, purgedAt: row[15].date, signedBytes: row[16].bytes,
            acceptedReceipt: row[17].bytes ?? [], ledgerIndex: row[18].int ?? -1)
    }

    public func deliveries(of id: MessageID) throws(StoreError) -> [DeliveryRecord] {
        try read { (db) throws(StoreError) in
            var records: [DeliveryRecord] = []
            try db.query("SELECT \(Self.deliveryColumns) FROM deliveries d JOIN messages m ON m.seq = d.message_seq WHERE m.id = ? ORDER BY d.recipient",
                         [.text(id.rawValue)]) { (row) throws(StoreError) in
                records.append(try Self.deliveryRecord(row))
            }
            return records
        }
    }

    /// The columns `deliveryRecord(_:)` reads, for a query `FROM deliveries d JOIN messages m ON m.seq = d.message_seq`.
    static let deliveryColumns = """
        m.id, d.recipient, d.channel, d.state, d.attempts, d.next_attempt_at, d.lease_until, d.last_attempt_at, d.last_error,
        d.settled_at, d.receipt, d.deliver_until
        """

    static func deliveryRecord(_ row: SQLiteRow) throws(StoreError) -> DeliveryRecord {
        guard let message = try? MessageID(row[0].string ?? ""), let recipient = try? AgencyID(row[1].string ?? ""),
              let channel = DeliveryChannel(rawValue: row[2].string ?? ""), let state = DeliveryState(rawValue: row[3].string ?? "")
        else { throw StoreError.corrupt("a delivery row has an invalid id, recipient, channel or state") }
        return DeliveryRecord(
            message: message, recipient: recipient, channel: channel, state: state, attempts: row[4].int ?? 0,
            nextAttemptAt: row[5].date ?? .distantPast, leaseUntil: row[6].date, lastAttemptAt: row[7].date,
            lastError: row[8].string, settledAt: row[9].date, receipt: row[10].bytes, deliverUntil: row[11].date ?? .distantPast)
    }
}
