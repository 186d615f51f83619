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

    public func settlementCounts(periods: [CountingPeriod]) throws(StoreError) -> [SettlementCount] {
        guard !periods.isEmpty else { return [] }
        let (table, values) = Self.periodsTable(periods)
        return try read { (db) throws(StoreError) in
            var counts: [String: SettlementCount] = [:]
            for p in periods { counts[p.label] = SettlementCount(period: p.label, delivered: 0, failed: 0, p50: nil, p99: nil) }
            // Each end state through its partial index on settled_at.
            let settled = """
                SELECT p.label AS label, d.settled_at - m.accepted_at AS ms
                FROM p JOIN deliveries d ON d.state = ? AND d.settled_at >= p.s AND d.settled_at < p.e
                JOIN messages m ON m.seq = d.message_seq
                """
            try db.query("\(table) SELECT label, count(*) FROM (\(settled)) AS s GROUP BY label", values + [.text("dead_letter")]) { (row) throws(StoreError) in
                if let label = row[0].string { counts[label]?.failed = row[1].int ?? 0 }
            }
            // The delivered ones in one pass: how many (n) and the nearest ranks, the ⌈q·n⌉-th
            // smallest, in integers: ⌈n/2⌉ = (n+1)/2, ⌈99n/100⌉ = (99n+99)/100.
            try db.query("""
                \(table) SELECT label, rn, n, ms FROM (
                    SELECT label, ms, row_number() OVER (PARTITION BY label ORDER BY ms) AS rn, count(*) OVER (PARTITION BY label) AS n
                    FROM (\(settled)) AS s) AS ranked
                WHERE rn = (n + 1) / 2 OR rn = (99 * n + 99) / 100
                """, values + [.text("delivered")]) { (row) throws(StoreError) in
                guard let label = row[0].string, let rank = row[1].int, let n = row[2].int else { return }
                let seconds = Double(row[3].int64 ?? 0) / 1000
                counts[label]?.delivered = n
                if rank == (n + 1) / 2 { counts[label]?.p50 = seconds }
                if rank == (99 * n + 99) / 100 { counts[label]?.p99 = seconds }
            }
            return periods.compactMap { counts[$0.label] }
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

    public func statisticsCounts(periods: [CountingPeriod], by dimensions: [StatisticsDimension]) throws(StoreError) -> [StatisticsCount] {
        guard !periods.isEmpty else { return [] }
        let (table, values) = Self.periodsTable(periods)
        func column(_ d: StatisticsDimension) -> String {
            switch d {
            case .period: "p.label"
            case .county: "coalesce(m.county, 'unknown')"
            case .type: "m.type"
            case .subject: "m.subject"
            }
        }
        let grouped = dimensions.map(column)
        let select = (grouped + ["count(*)", "count(DISTINCT m.case_ref)"]).joined(separator: ", ")
        let groupBy = grouped.isEmpty ? "" : "GROUP BY " + grouped.joined(separator: ", ")
        return try read { (db) throws(StoreError) in
            var counts: [StatisticsCount] = []
            // messages_accepted covers what this groups by (002_statistics.sql): an index-only scan.
            try db.query("""
                \(table) SELECT \(select) FROM p JOIN messages m ON m.accepted_at >= p.s AND m.accepted_at < p.e \(groupBy)
                """, values) { (row) throws(StoreError) in
                var values: [StatisticsDimension: String] = [:]
                for (i, d) in dimensions.enumerated() { values[d] = row[i].string ?? "unknown" }
                let messages = row[dimensions.count].int ?? 0
                guard messages > 0 else { return }  // no dimension and nothing accepted: one row of zeros
                counts.append(StatisticsCount(values: values, messages: messages, cases: row[dimensions.count + 1].int ?? 0))
            }
            return counts
        }
    }

    /// `WITH p(label, s, e) AS (VALUES …)`: the periods as a table to join on, with their values.
    private static func periodsTable(_ periods: [CountingPeriod]) -> (String, [PostgresValue]) {
        let rows = Array(repeating: "(?::text, ?::bigint, ?::bigint)", count: periods.count).joined(separator: ", ")
        return ("WITH p(label, s, e) AS (VALUES \(rows))", periods.flatMap { [.text($0.label), .date($0.start), .date($0.end)] })
    }
}
