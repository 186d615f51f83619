import Foundation
import UraJSON
import UraModel
import UraProtocol

/// Reading messages and their deliveries back, the same on both backends (the commit is each
/// backend's own: its statements and batching differ).
extension SQLStore {
    /// What a commit prepares before its batch, on the submitter's thread (the writer then only
    /// binds values and chains the ledger entry): the recipients and participants as the JSON
    /// lists the messages table keeps, and the ledger event that records the acceptance.
    @inlinable package static func prepareCommit(_ message: AcceptedMessage)
        -> (recipients: String, participants: String?, accepted: PreparedLedgerEvent) {
        let m = message.metadata
        return (JSONValue.array(m.to.map { .string($0.rawValue) }).serializedString(),
                m.participants.map { JSONValue.array($0.map { .string($0.rawValue) }).serializedString() },
                PreparedLedgerEvent(MessageBinding.acceptedEvent(m, digest: message.digest, at: message.acceptedAt)))
    }

    /// The answer to a commit whose id is already stored: the stored accepted receipt for the same
    /// digest, a conflict for another.
    @inlinable package static func repeatedCommit(_ db: Database, _ message: AcceptedMessage) throws(StoreError) -> CommitOutcome {
        let id = message.metadata.id
        var existing: (digest: String, receipt: [UInt8])?
        try db.query("SELECT digest, accepted_receipt FROM messages WHERE id = ?", [.text(id.rawValue)]) { (row) throws(StoreError) in
            existing = (row[0].string ?? "", row[1].bytes ?? [])
        }
        guard let existing else { throw StoreError.corrupt("message \(id) is neither new nor stored") }
        return existing.digest == message.digest
            ? .duplicate(acceptedReceipt: existing.receipt) : .conflict(existingDigest: existing.digest)
    }

    /// The columns `storedMessage(_:)` reads, for a query `FROM messages m`.
    @inlinable package static var messageColumns: String {
        """
        m.id, m.digest, m.type, m.sender, m.recipients, m.case_ref, m.subject, m.priority, m.county, m.in_reply_to, m.participants,
        m.created_at, m.expires_at, m.accepted_at, m.settled_at, m.purged_at, m.jws, m.accepted_receipt, \(Database.dialect.messageLedgerIndex)
        """
    }

    @inlinable public func message(_ id: MessageID) throws(StoreError) -> StoredMessage? {
        try read { (db) throws(StoreError) in
            var result: StoredMessage?
            try db.query("SELECT \(Self.messageColumns) FROM messages m WHERE m.id = ?", [.text(id.rawValue)]) { (row) throws(StoreError) in
                result = try Self.storedMessage(row)
            }
            return result
        }
    }

    @inlinable public func messageCount() throws(StoreError) -> Int {
        try read { (db) throws(StoreError) in try db.scalar("SELECT count(*) FROM messages", [])?.int ?? 0 }
    }

    @inlinable package static func storedMessage(_ row: Database.Row) throws(StoreError) -> StoredMessage {
        func parse<T>(_ what: String, _ make: () throws -> T) throws(StoreError) -> T {
            do { return try make() } catch { throw StoreError.corrupt("message row has an invalid \(what): \(error)") }
        }
        func list(_ value: Database.Value) throws(StoreError) -> [String]? {
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

    @inlinable public func deliveries(of id: MessageID) throws(StoreError) -> [DeliveryRecord] {
        try read { (db) throws(StoreError) in
            var records: [DeliveryRecord] = []
            try db.query("SELECT \(Database.dialect.deliveryColumns) FROM deliveries d JOIN messages m ON m.seq = d.message_seq WHERE m.id = ? ORDER BY d.recipient",
                         [.text(id.rawValue)]) { (row) throws(StoreError) in
                records.append(try Self.deliveryRecord(row))
            }
            return records
        }
    }

    /// A delivery from the columns `SQLDialect.deliveryColumns` names.
    @inlinable package static func deliveryRecord(_ row: Database.Row) throws(StoreError) -> DeliveryRecord {
        guard let message = try? MessageID(row[0].string ?? ""), let recipient = try? AgencyID(row[1].string ?? ""),
              let channel = DeliveryChannel(rawValue: row[2].string ?? ""), let state = DeliveryState(rawValue: row[3].string ?? "")
        else { throw StoreError.corrupt("a delivery row has an invalid id, recipient, channel or state") }
        return DeliveryRecord(
            message: message, recipient: recipient, channel: channel, state: state, attempts: row[4].int ?? 0,
            nextAttemptAt: row[5].date ?? .distantPast, leaseUntil: row[6].date, lastAttemptAt: row[7].date,
            lastError: row[8].string, settledAt: row[9].date, receipt: row[10].bytes, deliverUntil: row[11].date ?? .distantPast)
    }
}
