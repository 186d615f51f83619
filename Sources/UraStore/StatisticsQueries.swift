import Foundation

/// The SQL of `Store.statisticsCounts` and `Store.settlementCounts` and the reading of its rows,
/// written once for the SQL backends (SQLite and PostgreSQL accept the same text: `?` parameters,
/// `CAST`, window functions). A backend binds `periodValues` in order and hands the decoded columns
/// back.
@usableFromInline package enum StatisticsQueries {
    /// `WITH p(label, s, e) AS (VALUES …)`: the periods as a table to join on; its parameters are,
    /// per period, the label (text) and the start and end (milliseconds since 1970).
    static func periods(_ count: Int) -> String {
        let rows = Array(repeating: "(CAST(? AS TEXT), CAST(? AS BIGINT), CAST(? AS BIGINT))", count: count).joined(separator: ", ")
        return "WITH p(label, s, e) AS (VALUES \(rows))"
    }

    /// Accepted messages and their distinct cases per combination of `dimensions`; columns: each
    /// dimension's value, then the two counts. The covering index on acceptance answers it.
    @usableFromInline package static func counts(periods: Int, by dimensions: [StatisticsDimension]) -> String {
        let grouped = dimensions.map { d in
            switch d {
            case .period: "p.label"
            case .county: "coalesce(m.county, 'unknown')"
            case .type: "m.type"
            case .subject: "m.subject"
            }
        }
        let select = (grouped + ["count(*)", "count(DISTINCT m.case_ref)"]).joined(separator: ", ")
        let groupBy = grouped.isEmpty ? "" : " GROUP BY " + grouped.joined(separator: ", ")
        return "\(Self.periods(periods)) SELECT \(select) FROM p JOIN messages m ON m.accepted_at >= p.s AND m.accepted_at < p.e\(groupBy)"
    }

    /// One row of `counts`, or nil for the row of zeros a count without dimension gives when
    /// nothing was accepted.
    @usableFromInline package static func count(_ dimensions: [StatisticsDimension], values: [String?], messages: Int, cases: Int) -> StatisticsCount? {
        guard messages > 0 else { return nil }
        var byDimension: [StatisticsDimension: String] = [:]
        for (d, value) in zip(dimensions, values) { byDimension[d] = value ?? "unknown" }
        return StatisticsCount(values: byDimension, messages: messages, cases: cases)
    }

    /// The deliveries of one end state settled in each period, with the seconds from acceptance.
    /// The state is written out, not bound, so that SQLite uses its partial index on settled_at.
    private static func settled(_ state: String) -> String {
        """
        SELECT p.label AS label, d.settled_at - m.accepted_at AS ms
        FROM p JOIN deliveries d ON d.state = '\(state)' AND d.settled_at >= p.s AND d.settled_at < p.e
        JOIN messages m ON m.seq = d.message_seq
        """
    }

    /// Given-up deliveries per period; columns: label, count.
    @usableFromInline package static func givenUp(periods: Int) -> String {
        "\(Self.periods(periods)) SELECT label, count(*) FROM (\(settled("dead_letter"))) AS s GROUP BY label"
    }

    /// Delivered deliveries per period in one pass: for the rows at the nearest ranks of p50 and p99
    /// (the ⌈q·n⌉-th smallest, in integers ⌈n/2⌉ = (n+1)/2 and ⌈99n/100⌉ = (99n+99)/100): label,
    /// rank, n (the period's delivered count), milliseconds.
    @usableFromInline package static func deliveredRanks(periods: Int) -> String {
        """
        \(Self.periods(periods)) SELECT label, rn, n, ms FROM (
            SELECT label, ms, row_number() OVER (PARTITION BY label ORDER BY ms) AS rn, count(*) OVER (PARTITION BY label) AS n
            FROM (\(settled("delivered"))) AS s) AS ranked
        WHERE rn = (n + 1) / 2 OR rn = (99 * n + 99) / 100
        """
    }

    /// The settlement counts of `periods` (in their order) from the rows of `givenUp` and
    /// `deliveredRanks`.
    @usableFromInline package static func settlements(_ periods: [CountingPeriod], givenUp: [(label: String, count: Int)],
                                    ranks: [(label: String, rank: Int, n: Int, milliseconds: Int64)]) -> [SettlementCount] {
        var counts: [String: SettlementCount] = [:]
        for p in periods { counts[p.label] = SettlementCount(period: p.label, delivered: 0, failed: 0, p50: nil, p99: nil) }
        for row in givenUp { counts[row.label]?.failed = row.count }
        for row in ranks {
            let seconds = Double(row.milliseconds) / 1000
            counts[row.label]?.delivered = row.n
            if row.rank == (row.n + 1) / 2 { counts[row.label]?.p50 = seconds }
            if row.rank == (99 * row.n + 99) / 100 { counts[row.label]?.p99 = seconds }
        }
        return periods.compactMap { counts[$0.label] }
    }
}
