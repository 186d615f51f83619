import Foundation
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// De-identified figures for the regional anti-trafficking committees (KRAT): how many messages,
/// and how many distinct cases, per county, month, message type and subject category.
///
/// Committees must never receive names or identifying data (SOP). So a cell holds only those four
/// dimensions and two counts; a cell whose message or case count is under the threshold (5) is
/// suppressed — present, with no counts — and there are no totals, which could be subtracted to
/// reveal a suppressed cell. Case references are used to count distinct cases and are then dropped.
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

    public static let suppressionThreshold = 5

    public var from: Date
    public var to: Date
    public var cells: [Cell]

    public init(rows: [StatisticsRow], from: Date, to: Date, calendar: WorkingCalendar, threshold: Int = suppressionThreshold) {
        struct Key: Hashable { let county: String, month: String, type: MessageType, subject: SubjectCategory }
        var messages: [Key: Int] = [:]
        var cases: [Key: Set<CaseReference>] = [:]
        for row in rows {
            let key = Key(county: row.county?.rawValue ?? "unknown", month: String(calendar.localDate(of: row.acceptedAt).prefix(7)),
                          type: row.type, subject: row.subject)
            messages[key, default: 0] += 1
            cases[key, default: []].insert(row.caseReference)
        }
        self.from = from
        self.to = to
        cells = messages.keys.sorted {
            ($0.month, $0.county, $0.type.rawValue, $0.subject.rawValue) < ($1.month, $1.county, $1.type.rawValue, $1.subject.rawValue)
        }.map { key in
            let m = messages[key]!, c = cases[key]!.count
            let shown = m >= threshold && c >= threshold
            return Cell(county: key.county, month: key.month, type: key.type, subject: key.subject,
                        messages: shown ? m : nil, cases: shown ? c : nil)
        }
    }

    /// The JSON served at `GET /v1/stats`.
    public var json: JSONValue {
        .object([
            "from": .string(RFC3339.string(from: from)),
            "to": .string(RFC3339.string(from: to)),
            "suppression_threshold": .number(Double(StatisticsReport.suppressionThreshold)),
            "cells": .array(cells.map { cell in
                var object: JSONObject = [
                    "county": .string(cell.county), "month": .string(cell.month), "type": .string(cell.type.rawValue),
                    "subject": .string(cell.subject.rawValue),
                ]
                if let m = cell.messages, let c = cell.cases {
                    object["messages"] = .number(Double(m))
                    object["cases"] = .number(Double(c))
                } else {
                    object["suppressed"] = .bool(true)
                }
                return .object(object)
            }),
        ])
    }
}
