import Foundation
import UraJSON
import UraModel
import UraProtocol
import UraStore

extension PostgresStore {
    /// Meets, reports and arms deadlines for a message being committed (inside its transaction).
    /// The open and overdue deadlines `message` may meet (before its own changes): the condition
    /// `commit` also runs in its insert statement, parameters ?3 (type), ?6 (case), ?10 (in reply
    /// to) and ?23 (the sender's kind).
    static let meetableDeadlines = """
        SELECT id, series, due_at FROM deadlines
        WHERE case_ref = ?6 AND state IN ('open', 'overdue')
          AND expected @> jsonb_build_array(?3::text)
          AND (responsible_kinds = '[]'::jsonb OR responsible_kinds @> jsonb_build_array(?23::text))
          AND (?10::text IS NULL OR trigger_id = ?10::text
               OR EXISTS (SELECT 1 FROM deadline_triggers t WHERE t.deadline_id = deadlines.id AND t.trigger_id = ?10::text))
        """

    /// `matches`: what `meetableDeadlines` found for this message (read with its insert).
    static func applyDeadlines(_ tx: PostgresTransaction, _ message: AcceptedMessage, seq: Int64,
                               matches found: [(id: String, series: String, due: Date)]) throws(StoreError) {
        let m = message.metadata
        let at = message.acceptedAt
        for id in message.deadlines.reportOverdue {
            let changed = try tx.db.run("UPDATE deadlines SET state = 'overdue', notified_at = ? WHERE id = ? AND state = 'open'",
                                        [.date(at), .text(id)])
            guard changed == 1 else { throw StoreError.invalidState("deadline \(id) is no longer open; its notice was already sent") }
            try tx.appendLedger(LedgerEvent(.deadlineOverdue, at: at, message: m.id, data: ["deadline": .string(id)]), messageSeq: seq)
        }

        var matches = found
        matches.sort { ($0.due, $0.id) < ($1.due, $1.id) }
        var seenSeries = Set<String>()
        for match in matches where seenSeries.insert(match.series).inserted {
            try tx.db.run("UPDATE deadlines SET state = 'met', met_by = ?, met_at = ? WHERE id = ?",
                          [.text(m.id.rawValue), .date(at), .text(match.id)])
            try tx.appendLedger(LedgerEvent(.deadlineMet, at: at, message: m.id, data: [
                "deadline": .string(match.id), "late": .bool(at > match.due),
            ]), messageSeq: seq)
        }

        for type in message.deadlines.cancel {
            var ended: [String] = []
            try tx.db.query("""
                SELECT id FROM deadlines WHERE case_ref = ? AND state = 'open'
                  AND expected @> jsonb_build_array(?::text) ORDER BY due_at
                """, [.text(m.caseReference.rawValue), .text(type.rawValue)]) { (row) throws(StoreError) in ended.append(row[0].string ?? "") }
            for id in ended {
                try tx.db.run("UPDATE deadlines SET state = 'cancelled', met_by = ?, met_at = ? WHERE id = ?", [.text(m.id.rawValue), .date(at), .text(id)])
                try tx.appendLedger(LedgerEvent(.deadlineCancelled, at: at, message: m.id, data: ["deadline": .string(id)]), messageSeq: seq)
            }
        }

        // One pending deadline per obligation: a repeat of the trigger is linked to the pending one (for a
        // monthly series, to its earliest pending occurrence) and arms nothing. Decided once per obligation,
        // before any of this message's own rows are inserted.
        var pendingByObligation: [String: String] = [:]
        for obligation in Set(message.deadlines.arm.compactMap(\.obligation)) {
            var pending: String?
            for state in ["'overdue'", "'open'"] where pending == nil {
                try tx.db.query("""
                    SELECT id FROM deadlines WHERE case_ref = ? AND obligation = ? AND state = \(state) ORDER BY due_at, id LIMIT 1
                    """, [.text(m.caseReference.rawValue), .text(obligation)]) { (row) throws(StoreError) in pending = row[0].string }
            }
            pendingByObligation[obligation] = pending
        }
        for (obligation, pending) in pendingByObligation.sorted(by: { $0.key < $1.key }) {
            try tx.db.run("INSERT INTO deadline_triggers (deadline_id, trigger_id, linked_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                          [.text(pending), .text(m.id.rawValue), .date(at)])
            try tx.appendLedger(LedgerEvent(.deadlineArmed, at: at, message: m.id, data: [
                "deadline": .string(pending), "case": .string(m.caseReference.rawValue), "obligation": .string(obligation),
                "repeat": .bool(true),
            ]), messageSeq: seq)
        }

        for d in message.deadlines.arm where d.obligation.map({ pendingByObligation[$0] == nil }) ?? true {
            let series = d.occurrence == nil ? d.id : String(d.id[..<(d.id.lastIndex(of: "/") ?? d.id.endIndex)])
            try tx.db.run("""
                INSERT INTO deadlines (id, series, case_ref, trigger_id, trigger_type, expected, responsible, responsible_kinds,
                    optional, rule, occurrence, armed_at, due_at, state, obligation)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)
                """, [.text(d.id), .text(series), .text(d.caseReference.rawValue), .text(d.trigger.rawValue), .text(d.triggerType.rawValue),
                      .text(jsonList(d.expected.map(\.rawValue))), .text(jsonList(d.responsible.map(\.rawValue))),
                      .text(jsonList(d.responsibleKinds.map(\.rawValue))), .text(d.optional ? "true" : "false"), .text(d.rule.description),
                      d.occurrence.map { .integer(Int64($0)) } ?? .null, .date(d.armedAt), .date(d.due), d.obligation.map { .text($0) } ?? .null])
            try tx.appendLedger(LedgerEvent(.deadlineArmed, at: d.armedAt, message: d.trigger, data: [
                "deadline": .string(d.id), "case": .string(d.caseReference.rawValue), "rule": .string(d.rule.description),
                "due": .string(RFC3339.string(from: d.due)), "expected": .array(d.expected.map { .string($0.rawValue) }),
            ]), messageSeq: seq)
        }
    }

    static func jsonList(_ items: [String]) -> String { JSONValue.array(items.map { .string($0) }).serializedString() }

    static let deadlineColumns = """
        id, case_ref, trigger_id, trigger_type, expected, responsible, responsible_kinds, optional, rule, occurrence,
        armed_at, due_at, state, met_by, met_at, obligation
        """

    static func deadline(_ row: PostgresRow) throws(StoreError) -> Deadline {
        func strings(_ value: PostgresValue) -> [String] {
            ((try? JSONValue(parsing: value.string ?? "[]"))?.arrayValue ?? []).compactMap(\.stringValue)
        }
        do {
            return Deadline(
                id: row[0].string ?? "", caseReference: try CaseReference(row[1].string ?? ""), trigger: try MessageID(row[2].string ?? ""),
                triggerType: try MessageType(row[3].string ?? ""), expected: try strings(row[4]).map { try MessageType($0) },
                responsible: try strings(row[5]).map { try AgencyID($0) }, responsibleKinds: strings(row[6]).compactMap(AgencyKind.init(rawValue:)),
                optional: row[7].bool, rule: try DeadlineRule(row[8].string ?? ""), armedAt: row[10].date ?? .distantPast,
                due: row[11].date ?? .distantPast, state: Deadline.State(rawValue: row[12].string ?? "") ?? .open,
                metBy: try row[13].string.map { try MessageID($0) }, metAt: row[14].date, occurrence: row[9].int,
                obligation: row[15].string)
        } catch {
            throw StoreError.corrupt("deadline \(row[0].string ?? "?") is unreadable: \(error)")
        }
    }

    /// `repeats`: also read which messages triggered each deadline again (one probe per deadline: for
    /// one case's page, not for the gateway-wide lists).
    private func deadlines(where clause: String, _ values: [PostgresValue], repeats: Bool = false) throws(StoreError) -> [Deadline] {
        try read { (db) throws(StoreError) in
            var all: [Deadline] = []
            try db.query("SELECT \(Self.deadlineColumns) FROM deadlines \(clause)", values) { (row) throws(StoreError) in
                all.append(try Self.deadline(row))
            }
            for i in all.indices where repeats && all[i].obligation != nil {
                try db.query("SELECT trigger_id FROM deadline_triggers WHERE deadline_id = ? ORDER BY linked_at, trigger_id",
                             [.text(all[i].id)]) { (row) throws(StoreError) in
                    if let id = row[0].string, let trigger = try? MessageID(id) { all[i].repeatedBy.append(trigger) }
                }
            }
            return all
        }
    }

    public func deadlines(forCase caseReference: CaseReference) throws(StoreError) -> [Deadline] {
        try deadlines(where: "WHERE case_ref = ? ORDER BY due_at, id", [.text(caseReference.rawValue)], repeats: true)
    }

    public func dueDeadlines(now: Date, limit: Int) throws(StoreError) -> [Deadline] {
        try deadlines(where: "WHERE state = 'open' AND NOT optional AND due_at <= ? ORDER BY due_at LIMIT ?",
                      [.date(now), .integer(Int64(limit))])
    }

    public func pendingDeadlines(limit: Int) throws(StoreError) -> [Deadline] {
        try deadlines(where: "WHERE state IN ('open', 'overdue') ORDER BY state = 'overdue' DESC, due_at LIMIT ?", [.integer(Int64(limit))])
    }
}
