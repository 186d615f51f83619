import Foundation
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// De-identified figures for the regional anti-trafficking committees (KRAT): how many messages,
/// and how many distinct cases, per county, month, message type and subject category — each cell
/// of the four together, the totals per county, per month, per type and per subject, and the total.
///
/// Committees must never receive names or identifying data (SOP). A figure under the threshold (5
/// messages or 5 cases) is suppressed: present, with no counts. Totals are published, so a lone
/// suppressed figure could be recovered by subtraction (a county's total minus its shown cells);
/// complementary suppression prevents it: wherever a published total covers exactly one suppressed
/// figure, the smallest shown figure under that total is suppressed too, until no total covers
/// exactly one. The report says the threshold and how many figures were suppressed either way.
/// The store counts distinct cases; no case reference reaches the report.
public struct StatisticsReport: Sendable, Equatable {
    public struct Cell: Sendable, Equatable {
        public var county: String
        public var month: String
        public var type: MessageType
        public var subject: SubjectCategory
        /// nil when suppressed.
        public var messages: Int?
        public var cases: Int?
        public var suppressed: Bool { messages == nil }
    }

    /// One total: a dimension's value (`county` `tirane`, `month` `2026-11`, …) and its counts, nil when suppressed.
    public struct Total: Sendable, Equatable {
        public var dimension: String
        public var value: String
        public var messages: Int?
        public var cases: Int?
        public var suppressed: Bool { messages == nil }
    }

    public static let suppressionThreshold = 5
    public static let dimensions = ["county", "month", "type", "subject"]

    public var from: Date
    public var to: Date
    public var threshold: Int
    public var cells: [Cell]
    /// Per dimension, in `dimensions` order, each by value.
    public var totals: [Total]
    /// The whole period; nil counts when under the threshold.
    public var total: Total
    /// Figures (cells and totals) under the threshold.
    public var suppressedSmall = 0
    /// Figures suppressed so that a small one cannot be recovered from a total.
    public var suppressedComplementary = 0

    /// The figures of `[from, to)`, per Tirana month, counted by `store` (six grouped queries: the
    /// cells, each dimension's totals and the whole).
    public init(store: any Store, from: Date, to: Date, calendar: WorkingCalendar, threshold: Int = suppressionThreshold) throws(StoreError) {
        let periods = Self.months(from: from, to: to, calendar: calendar)
        let cells = try store.statisticsCounts(periods: periods, by: Self.grouping)
        var totals: [StatisticsDimension: [StatisticsCount]] = [:]
        for dimension in Self.grouping { totals[dimension] = try store.statisticsCounts(periods: periods, by: [dimension]) }
        let whole = try store.statisticsCounts(periods: periods, by: []).first
        self.init(cells: cells, totals: totals, total: whole, from: from, to: to, threshold: threshold)
    }

    /// The store's dimension behind each of `dimensions` (a period is a month here).
    static let grouping: [StatisticsDimension] = [.county, .period, .type, .subject]

    /// The Tirana months `[from, to)` touches, each cut to the range: `2026-12` starts at local
    /// midnight on 1 December (23:00 UTC on 30 November).
    public static func months(from: Date, to: Date, calendar: WorkingCalendar) -> [CountingPeriod] {
        var periods: [CountingPeriod] = []
        var month = String(calendar.localDate(of: from).prefix(7)) + "-01"
        while true {
            let start = calendar.startOfDay(month), next = calendar.adding(months: 1, to: month)
            let end = calendar.startOfDay(next)
            guard max(start, from) < to else { break }
            periods.append(CountingPeriod(label: String(month.prefix(7)), start: max(start, from), end: min(end, to)))
            month = next
        }
        return periods
    }

    /// Suppresses what must be: `cells` counted by every dimension of `grouping`, `totals` by each
    /// one alone, `total` the whole (nil when nothing was accepted).
    init(cells counted: [StatisticsCount], totals countedTotals: [StatisticsDimension: [StatisticsCount]], total whole: StatisticsCount?,
         from: Date, to: Date, threshold: Int = suppressionThreshold) {
        struct Key: Hashable { let county: String, month: String, type: MessageType, subject: SubjectCategory }
        var messages: [Key: Int] = [:], cases: [Key: Int] = [:]
        for count in counted {
            guard let type = try? MessageType(count.values[.type] ?? "") else { continue }
            let key = Key(county: count.values[.county] ?? "unknown", month: count.values[.period] ?? "",
                          type: type, subject: SubjectCategory(rawValue: count.values[.subject] ?? "") ?? .unknown)
            messages[key, default: 0] += count.messages
            cases[key, default: 0] = max(cases[key, default: 0], count.cases)
        }
        let totalMessages = whole?.messages ?? 0, totalCases = whole?.cases ?? 0
        self.from = from
        self.to = to
        self.threshold = threshold
        func small(_ m: Int, _ c: Int) -> Bool { m < threshold || c < threshold }

        // The total of the period, then each dimension's totals (protected against the period's total).
        let grandSmall = small(totalMessages, totalCases)
        total = Total(dimension: "all", value: "all", messages: grandSmall ? nil : totalMessages, cases: grandSmall ? nil : totalCases)
        suppressedSmall += grandSmall ? 1 : 0
        var totals: [Total] = []
        var publishedTotals: [String: Set<String>] = [:]
        for (dimension, grouped) in zip(Self.dimensions, Self.grouping) {
            let byValue = (countedTotals[grouped] ?? []).sorted { ($0.values[grouped] ?? "") < ($1.values[grouped] ?? "") }
            let values = byValue.map { $0.values[grouped] ?? "unknown" }
            let counts = byValue.map(\.messages)
            let caseCounts = byValue.map(\.cases)
            var hidden = values.indices.map { small(counts[$0], caseCounts[$0]) }
            suppressedSmall += hidden.filter { $0 }.count
            suppressedComplementary += Self.protect(counts, &hidden, groups: grandSmall ? [] : [Array(values.indices)])
            for (i, value) in values.enumerated() {
                totals.append(Total(dimension: dimension, value: value, messages: hidden[i] ? nil : counts[i], cases: hidden[i] ? nil : caseCounts[i]))
                if !hidden[i] { publishedTotals[dimension, default: []].insert(value) }
            }
        }
        self.totals = totals

        // The cells, protected against every published total that covers them.
        let keys = messages.keys.sorted {
            ($0.month, $0.county, $0.type.rawValue, $0.subject.rawValue) < ($1.month, $1.county, $1.type.rawValue, $1.subject.rawValue)
        }
        let counts = keys.map { messages[$0]! }
        var hidden = keys.map { small(messages[$0]!, cases[$0]!) }
        suppressedSmall += hidden.filter { $0 }.count
        var groups: [String: [Int]] = [:]
        for (i, key) in keys.enumerated() {
            for (dimension, value) in zip(Self.dimensions, [key.county, key.month, key.type.rawValue, key.subject.rawValue])
            where publishedTotals[dimension]?.contains(value) == true {
                groups["\(dimension)=\(value)", default: []].append(i)
            }
        }
        if !grandSmall { groups["all"] = Array(keys.indices) }
        suppressedComplementary += Self.protect(counts, &hidden, groups: groups.keys.sorted().map { groups[$0]! })
        cells = keys.enumerated().map { i, key in
            Cell(county: key.county, month: key.month, type: key.type, subject: key.subject,
                 messages: hidden[i] ? nil : messages[key]!, cases: hidden[i] ? nil : cases[key]!)
        }
    }

    /// Complementary suppression: while a group whose sum is published has exactly one hidden
    /// member, hides its smallest shown member. Returns how many it hid.
    static func protect(_ counts: [Int], _ hidden: inout [Bool], groups: [[Int]]) -> Int {
        var added = 0, changed = true
        while changed {
            changed = false
            for group in groups where group.filter({ hidden[$0] }).count == 1 {
                guard let next = group.filter({ !hidden[$0] }).min(by: { (counts[$0], $0) < (counts[$1], $1) }) else { continue }
                hidden[next] = true
                added += 1
                changed = true
            }
        }
        return added
    }

    /// The JSON served at `GET /v1/stats`.
    public var json: JSONValue {
        func counts(_ m: Int?, _ c: Int?, into object: inout JSONObject) {
            if let m, let c {
                object["messages"] = .number(Double(m))
                object["cases"] = .number(Double(c))
            } else {
                object["suppressed"] = .bool(true)
            }
        }
        var grand: JSONObject = [:]
        counts(total.messages, total.cases, into: &grand)
        var byDimension: JSONObject = [:]
        for dimension in Self.dimensions {
            byDimension[dimension] = .array(totals.filter { $0.dimension == dimension }.map { t in
                var object: JSONObject = ["value": .string(t.value)]
                counts(t.messages, t.cases, into: &object)
                return .object(object)
            })
        }
        return .object([
            "from": .string(RFC3339.string(from: from)),
            "to": .string(RFC3339.string(from: to)),
            "suppression_threshold": .number(Double(threshold)),
            "suppressed": .object(["small": .number(Double(suppressedSmall)), "complementary": .number(Double(suppressedComplementary))]),
            "total": .object(grand),
            "totals": .object(byDimension),
            "cells": .array(cells.map { cell in
                var object: JSONObject = [
                    "county": .string(cell.county), "month": .string(cell.month), "type": .string(cell.type.rawValue),
                    "subject": .string(cell.subject.rawValue),
                ]
                counts(cell.messages, cell.cases, into: &object)
                return .object(object)
            }),
        ])
    }

    /// The cells and totals as CSV (RFC 4180): `level,county,month,type,subject,messages,cases`,
    /// a suppressed figure with empty counts and `suppressed` in the last column.
    public var csv: String {
        var lines = ["level,county,month,type,subject,messages,cases,note"]
        func field(_ text: String) -> String { text.contains(where: { ",\"\n".contains($0) }) ? "\"\(text.replacingOccurrences(of: "\"", with: "\"\""))\"" : text }
        func figures(_ m: Int?, _ c: Int?) -> String { m.map { "\($0),\(c ?? 0)," } ?? ",,suppressed" }
        lines.append("total,,,,,\(figures(total.messages, total.cases))")
        for t in totals {
            var columns = ["", "", "", ""]
            if let i = Self.dimensions.firstIndex(of: t.dimension) { columns[i] = field(t.value) }
            lines.append("total by \(t.dimension),\(columns.joined(separator: ",")),\(figures(t.messages, t.cases))")
        }
        for c in cells {
            lines.append("cell,\(field(c.county)),\(c.month),\(field(c.type.rawValue)),\(c.subject.rawValue),\(figures(c.messages, c.cases))")
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
