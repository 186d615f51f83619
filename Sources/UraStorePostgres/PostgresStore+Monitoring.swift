import Foundation
import UraJSON
import UraModel
import UraProtocol
import UraStore

extension PostgresStore {
    public func deliveryCounts() throws(StoreError) -> [DeliveryCount] {
        try read { (db) throws(StoreError) in
            var counts: [DeliveryCount] = []
            try db.query("SELECT recipient, state, count(*) FROM deliveries GROUP BY recipient, state ORDER BY recipient, state") { (row) throws(StoreError) in
                guard let agency = try? AgencyID(row[0].string ?? ""), let state = DeliveryState(rawValue: row[1].string ?? "") else { return }
                counts.append(DeliveryCount(recipient: agency, state: state, count: row[2].int ?? 0))
            }
            return counts
        }
    }

    public func agencyHealth() throws(StoreError) -> [AgencyHealth] {
        try read { (db) throws(StoreError) in
            var all: [AgencyHealth] = []
            try db.query("""
                SELECT agency, last_success_at, last_failure_at, failing_since, consecutive_failures, last_error, last_seen_at, alerted_at
                FROM agency_health ORDER BY agency
                """) { (row) throws(StoreError) in
                guard let agency = try? AgencyID(row[0].string ?? "") else { return }
                all.append(AgencyHealth(agency: agency, lastSuccessAt: row[1].date, lastFailureAt: row[2].date, failingSince: row[3].date,
                                        consecutiveFailures: row[4].int ?? 0, lastError: row[5].string, lastSeenAt: row[6].date,
                                        alertedAt: row[7].date))
            }
            return all
        }
    }

    public func recordPoll(by agency: AgencyID, at: Date) async throws(StoreError) {
        try await writer.perform { tx throws(StoreError) in
            try tx.db.run("""
                INSERT INTO agency_health (agency, last_seen_at) VALUES (?, ?)
                ON CONFLICT(agency) DO UPDATE SET last_seen_at = excluded.last_seen_at
                """, [.text(agency.rawValue), .date(at)])
        }
    }

    public func markAlerted(_ agency: AgencyID, at: Date?) async throws(StoreError) {
        try await writer.perform { tx throws(StoreError) in
            try tx.db.run("""
                INSERT INTO agency_health (agency, alerted_at) VALUES (?, ?)
                ON CONFLICT(agency) DO UPDATE SET alerted_at = excluded.alerted_at
                """, [.text(agency.rawValue), .date(at)])
        }
    }

    public func deliveryLatencies(since: Date, limit: Int) throws(StoreError) -> [Double] {
        try read { (db) throws(StoreError) in
            var latencies: [Double] = []
            try db.query("""
                SELECT d.settled_at - m.accepted_at FROM deliveries d JOIN messages m ON m.seq = d.message_seq
                WHERE d.state = 'delivered' AND d.settled_at >= ? ORDER BY d.settled_at DESC LIMIT ?
                """, [.date(since), .integer(Int64(limit))]) { (row) throws(StoreError) in
                latencies.append(Double(row[0].int64 ?? 0) / 1000)
            }
            return latencies
        }
    }

    public func settledDeliveries(since: Date, limit: Int) throws(StoreError) -> [SettledDelivery] {
        try read { (db) throws(StoreError) in
            var all: [SettledDelivery] = []
            // One probe per end state: delivered rows come from the partial index on settled_at.
            for state in ["'delivered'", "'dead_letter'"] {
                try db.query("""
                    SELECT d.settled_at, d.settled_at - m.accepted_at FROM deliveries d JOIN messages m ON m.seq = d.message_seq
                    WHERE d.state = \(state) AND d.settled_at >= ? ORDER BY d.settled_at LIMIT ?
                    """, [.date(since), .integer(Int64(limit))]) { (row) throws(StoreError) in
                    all.append(SettledDelivery(settledAt: row[0].date ?? since, delivered: state == "'delivered'",
                                               seconds: Double(row[1].int64 ?? 0) / 1000))
                }
            }
            return all.sorted { $0.settledAt < $1.settledAt }
        }
    }

    public func messages(matching filter: MessageFilter) throws(StoreError) -> [MessageSummary] {
        var clauses: [String] = []
        var values: [PostgresValue] = []
        if let c = filter.caseReference { clauses.append("m.case_ref = ?"); values.append(.text(c.rawValue)) }
        if let t = filter.type { clauses.append("m.type = ?"); values.append(.text(t.rawValue)) }
        if let a = filter.agency {
            clauses.append("(m.sender = ? OR EXISTS (SELECT 1 FROM deliveries x WHERE x.message_seq = m.seq AND x.recipient = ?))")
            values += [.text(a.rawValue), .text(a.rawValue)]
        }
        if let s = filter.state {
            clauses.append("EXISTS (SELECT 1 FROM deliveries y WHERE y.message_seq = m.seq AND y.state = ?)")
            values.append(.text(s.rawValue))
        }
        let condition = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        values += [.integer(Int64(filter.limit)), .integer(Int64(filter.offset))]
        let stored: [StoredMessage] = try read { (db) throws(StoreError) in
            var all: [StoredMessage] = []
            try db.query("SELECT \(Self.messageColumns) FROM messages m \(condition) ORDER BY m.accepted_at DESC, m.id LIMIT ? OFFSET ?", values) { (row) throws(StoreError) in
                all.append(try Self.storedMessage(row))
            }
            return all
        }
        return try stored.map { (m) throws(StoreError) in
            MessageSummary(metadata: m.metadata, digest: m.digest, acceptedAt: m.acceptedAt, settledAt: m.settledAt, purgedAt: m.purgedAt,
                           deliveries: try deliveries(of: m.metadata.id))
        }
    }

    public func deadLetters(limit: Int) throws(StoreError) -> [DeliveryRecord] {
        try read { (db) throws(StoreError) in
            var records: [DeliveryRecord] = []
            try db.query("""
                SELECT \(Self.deliveryColumns) FROM deliveries d JOIN messages m ON m.seq = d.message_seq
                WHERE d.state = 'dead_letter' ORDER BY d.settled_at DESC LIMIT ?
                """,
                         [.integer(Int64(limit))]) { (row) throws(StoreError) in
                records.append(try Self.deliveryRecord(row))
            }
            return records
        }
    }

    public func statisticsRows(from: Date, to: Date) throws(StoreError) -> [StatisticsRow] {
        try read { (db) throws(StoreError) in
            var rows: [StatisticsRow] = []
            try db.query("""
                SELECT county, type, subject, accepted_at, case_ref FROM messages WHERE accepted_at >= ? AND accepted_at < ?
                """, [.date(from), .date(to)]) { (row) throws(StoreError) in
                guard let type = try? MessageType(row[1].string ?? ""), let caseReference = try? CaseReference(row[4].string ?? "")
                else { return }
                rows.append(StatisticsRow(county: row[0].string.flatMap(County.init(rawValue:)), type: type,
                                          subject: SubjectCategory(rawValue: row[2].string ?? "") ?? .unknown,
                                          acceptedAt: row[3].date ?? from, caseReference: caseReference))
            }
            return rows
        }
    }
}
