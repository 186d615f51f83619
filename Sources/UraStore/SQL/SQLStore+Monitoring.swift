import Foundation
import UraJSON
import UraModel
import UraProtocol

/// The monitoring and statistics queries of `Store`, the same on both backends.
extension SQLStore {
    @inlinable public func deliveryCounts() throws(StoreError) -> [DeliveryCount] {
        try read { (db) throws(StoreError) in
            var counts: [DeliveryCount] = []
            try db.query("SELECT recipient, state, count(*) FROM deliveries GROUP BY recipient, state ORDER BY recipient, state", []) { (row) throws(StoreError) in
                guard let agency = try? AgencyID(row[0].string ?? ""), let state = DeliveryState(rawValue: row[1].string ?? "") else { return }
                counts.append(DeliveryCount(recipient: agency, state: state, count: row[2].int ?? 0))
            }
            return counts
        }
    }

    @inlinable public func agencyHealth() throws(StoreError) -> [AgencyHealth] {
        try read { (db) throws(StoreError) in
            var all: [AgencyHealth] = []
            try db.query("""
                SELECT agency, last_success_at, last_failure_at, failing_since, consecutive_failures, last_error, last_seen_at, alerted_at
                FROM agency_health ORDER BY agency
                """, []) { (row) throws(StoreError) in
                guard let agency = try? AgencyID(row[0].string ?? "") else { return }
                all.append(AgencyHealth(agency: agency, lastSuccessAt: row[1].date, lastFailureAt: row[2].date, failingSince: row[3].date,
                                        consecutiveFailures: row[4].int ?? 0, lastError: row[5].string, lastSeenAt: row[6].date,
                                        alertedAt: row[7].date))
            }
            return all
        }
    }

    @inlinable public func recordPoll(by agency: AgencyID, at: Date) async throws(StoreError) {
        try await write { tx throws(StoreError) in
            try tx.database.run("""
                INSERT INTO agency_health (agency, last_seen_at) VALUES (?, ?)
                ON CONFLICT(agency) DO UPDATE SET last_seen_at = excluded.last_seen_at
                """, [.text(agency.rawValue), .date(at)])
        }
    }

    @inlinable public func markAlerted(_ agency: AgencyID, at: Date?) async throws(StoreError) {
        try await write { tx throws(StoreError) in
            try tx.database.run("""
                INSERT INTO agency_health (agency, alerted_at) VALUES (?, ?)
                ON CONFLICT(agency) DO UPDATE SET alerted_at = excluded.alerted_at
                """, [.text(agency.rawValue), .date(at)])
        }
    }

    @inlinable public func deliveryLatencies(since: Date, limit: Int) throws(StoreError) -> [Double] {
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

    @inlinable public func settlementCounts(periods: [CountingPeriod]) throws(StoreError) -> [SettlementCount] {
        guard !periods.isEmpty else { return [] }
        let values = Self.periodValues(periods)
        return try read { (db) throws(StoreError) in
            var givenUp: [(label: String, count: Int)] = []
            try db.query(StatisticsQueries.givenUp(periods: periods.count), values) { (row) throws(StoreError) in
                if let label = row[0].string { givenUp.append((label, row[1].int ?? 0)) }
            }
            var ranks: [(label: String, rank: Int, n: Int, milliseconds: Int64)] = []
            try db.query(StatisticsQueries.deliveredRanks(periods: periods.count), values) { (row) throws(StoreError) in
                if let label = row[0].string, let rank = row[1].int, let n = row[2].int { ranks.append((label, rank, n, row[3].int64 ?? 0)) }
            }
            return StatisticsQueries.settlements(periods, givenUp: givenUp, ranks: ranks)
        }
    }

    @inlinable public func messages(matching filter: MessageFilter) throws(StoreError) -> [MessageSummary] {
        var clauses: [String] = []
        var values: [Database.Value] = []
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

    @inlinable public func deadLetters(limit: Int) throws(StoreError) -> [DeliveryRecord] {
        try read { (db) throws(StoreError) in
            var records: [DeliveryRecord] = []
            try db.query("""
                SELECT \(Database.dialect.deliveryColumns) FROM deliveries d JOIN messages m ON m.seq = d.message_seq
                WHERE d.state = 'dead_letter' ORDER BY d.settled_at DESC LIMIT ?
                """,
                         [.integer(Int64(limit))]) { (row) throws(StoreError) in
                records.append(try Self.deliveryRecord(row))
            }
            return records
        }
    }

    @inlinable public func statisticsCounts(periods: [CountingPeriod], by dimensions: [StatisticsDimension]) throws(StoreError) -> [StatisticsCount] {
        guard !periods.isEmpty else { return [] }
        return try read { (db) throws(StoreError) in
            var counts: [StatisticsCount] = []
            try db.query(StatisticsQueries.counts(periods: periods.count, by: dimensions), Self.periodValues(periods)) { (row) throws(StoreError) in
                let columns = dimensions.indices.map { row[$0].string }
                if let count = StatisticsQueries.count(dimensions, values: columns, messages: row[dimensions.count].int ?? 0,
                                                       cases: row[dimensions.count + 1].int ?? 0) { counts.append(count) }
            }
            return counts
        }
    }

    /// The parameters of `StatisticsQueries`' periods table: per period, its label, start and end.
    @inlinable package static func periodValues(_ periods: [CountingPeriod]) -> [Database.Value] {
        periods.flatMap { [.text($0.label), .date($0.start), .date($0.end)] }
    }
}
