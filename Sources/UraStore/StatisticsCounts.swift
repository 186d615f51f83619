import Foundation

/// A stretch of time figures are counted over — a local day or month — `[start, end)`, named by
/// `label` (`2026-12`, `2026-12-07`). The caller decides the calendar; the store only compares times.
public struct CountingPeriod: Sendable, Equatable {
    public var label: String
    public var start: Date
    public var end: Date

    public init(label: String, start: Date, end: Date) {
        self.label = label
        self.start = start
        self.end = end
    }
}

/// What accepted messages are counted by. A message without a county counts under `unknown`.
public enum StatisticsDimension: String, Sendable, CaseIterable {
    case period, county, type, subject
}

/// How many messages were accepted, and in how many distinct cases, for one combination of the
/// dimensions counted by: `values` holds a value (a period's label, a county, a type, a subject
/// category) for each of them.
public struct StatisticsCount: Sendable, Equatable {
    public var values: [StatisticsDimension: String]
    public var messages: Int
    public var cases: Int

    public init(values: [StatisticsDimension: String], messages: Int, cases: Int) {
        self.values = values
        self.messages = messages
        self.cases = cases
    }
}

/// The deliveries that settled in one period: delivered, given up (dead letters), and the seconds
/// from acceptance to the delivered receipt at the 50th and 99th percentiles (nearest rank; nil
/// without a delivery).
public struct SettlementCount: Sendable, Equatable {
    public var period: String
    public var delivered: Int
    public var failed: Int
    public var p50: Double?
    public var p99: Double?

    public init(period: String, delivered: Int, failed: Int, p50: Double?, p99: Double?) {
        self.period = period
        self.delivered = delivered
        self.failed = failed
        self.p50 = p50
        self.p99 = p99
    }
}
