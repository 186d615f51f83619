import Foundation
import UraJSON
import UraModel
import UraProtocol

/// Deadlines: what a committed message does to them, and their reads, the same on both backends.
extension SQLStore {
    /// Meets, reports and arms deadlines for a message being committed (inside its transaction).
    /// `matches` gives the open and overdue deadlines the message may meet, asked for once the
    /// overdue ones it reports are marked (each backend finds them its own way: SQLite with two
    /// probes, PostgreSQL in the statement that inserts the message).
    @inlinable package static func applyDeadlines(_ tx: Transaction, _ message: AcceptedMessage, seq: Int64,
                                                  matches found: () throws(StoreError) -> [(id: String, series: String, due: Date)]) throws(StoreError) {
        let m = message.metadata
        let at = message.acceptedAt
        for id in message.deadlines.reportOverdue {
            let changed = try tx.database.run("UPDATE deadlines SET state = 'overdue', notified_at = ? WHERE id = ? AND state = 'open'",
                                        [.date(at), .text(id)])
            guard changed == 1 else { throw StoreError.invalidState("deadline \(id) is no longer open; its notice was already sent") }
            try tx.appendToLedger(LedgerEvent(.deadlineOverdue, at: at, message: m.id, data: ["deadline": .string(id)]), messageSeq: seq)
        }

        var matches = try found()
        matches.sort { ($0.due, $0.id) < ($1.due, $1.id) }
        var seenSeries = Set<String>()
        for match in matches where seenSeries.insert(match.series).inserted {
            try tx.database.run("UPDATE deadlines SET state = 'met', met_by = ?, met_at = ? WHERE id = ?",
                          [.text(m.id.rawValue), .date(at), .text(match.id)])
            try tx.appendToLedger(LedgerEvent(.deadlineMet, at: at, message: m.id, data: [
                "deadline": .string(match.id), "late": .bool(at > match.due),
            ]), messageSeq: seq)
        }

        for type in message.deadlines.cancel {
            var ended: [String] = []
            try tx.database.query(Database.dialect.openDeadlinesExpecting, [.text(m.caseReference.rawValue), .text(type.rawValue)]) { (row) throws(StoreError) in ended.append(row[0].string ?? "") }
            for id in ended {
                try tx.database.run("UPDATE deadlines SET state = 'cancelled', met_by = ?, met_at = ? WHERE id = ?", [.text(m.id.rawValue), .date(at), .text(id)])
                try tx.appendToLedger(LedgerEvent(.deadlineCancelled, at: at, message: m.id, data: ["deadline": .string(id)]), messageSeq: seq)
            }
        }

        // One pending deadline per obligation: a repeat of the trigger is linked to the pending one (for a
        // monthly series, to its earliest pending occurrence) and arms nothing. Decided once per obligation,
        // before any of this message's own rows are inserted.
        var pendingByObligation: [String: String] = [:]
        for obligation in Set(message.deadlines.arm.compactMap(\.obligation)) {
            var pending: String?
            for state in ["'overdue'", "'open'"] where pending == nil {
                try tx.database.query("""
                    SELECT id FROM deadlines WHERE case_ref = ? AND obligation = ? AND state = \(state) ORDER BY due_at, id LIMIT 1
                    """, [.text(m.caseReference.rawValue), .text(obligation)]) { (row) throws(StoreError) in pending = row[0].string }
            }
            pendingByObligation[obligation] = pending
        }
        for (obligation, pending) in pendingByObligation.sorted(by: { $0.key < $1.key }) {
            try tx.database.run(Database.dialect.linkDeadlineTrigger,
                          [.text(pending), .text(m.id.rawValue), .date(at)])
            try tx.appendToLedger(LedgerEvent(.deadlineArmed, at: at, message: m.id, data: [
                "deadline": .string(pending), "case": .string(m.caseReference.rawValue), "obligation": .string(obligation),
                "repeat": .bool(true),
            ]), messageSeq: seq)
        }

        for d in message.deadlines.arm where d.obligation.map({ pendingByObligation[$0] == nil }) ?? true {
            let series = d.occurrence == nil ? d.id : String(d.id[..<(d.id.lastIndex(of: "/") ?? d.id.endIndex)])
            try tx.database.run("""
                INSERT INTO deadlines (id, series, case_ref, trigger_id, trigger_type, expected, responsible, responsible_kinds,
                    optional, rule, occurrence, armed_at, due_at, state, obligation)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?)
                """, [.text(d.id), .text(series), .text(d.caseReference.rawValue), .text(d.trigger.rawValue), .text(d.triggerType.rawValue),
                      .text(jsonList(d.expected.map(\.rawValue))), .text(jsonList(d.responsible.map(\.rawValue))),
                      .text(jsonList(d.responsibleKinds.map(\.rawValue))), .boolean(d.optional), .text(d.rule.description),
                      d.occurrence.map { .integer(Int64($0)) } ?? .null, .date(d.armedAt), .date(d.due), d.obligation.map { .text($0) } ?? .null])
            try tx.appendToLedger(LedgerEvent(.deadlineArmed, at: d.armedAt, message: d.trigger, data: [
                "deadline": .string(d.id), "case": .string(d.caseReference.rawValue), "rule": .string(d.rule.description),
                "due": .string(RFC3339.string(from: d.due)), "expected": .array(d.expected.map { .string($0.rawValue) }),
            ]), messageSeq: seq)
        }
    }

    @inlinable package static func jsonList(_ items: [String]) -> String { JSONValue.array(items.map { .string($0) }).serializedString() }

    /// The columns `deadline(_:)` reads.
    @inlinable package static var deadlineColumns: String {
        """
        id, case_ref, trigger_id, trigger_type, expected, responsible, responsible_kinds, optional, rule, occurrence,
        armed_at, due_at, state, met_by, met_at, obligation
        """
    }

    @inlinable package static func deadline(_ row: Database.Row) throws(StoreError) -> Deadline {
        func strings(_ value: Database.Value) -> [String] {
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
    @inlinable package func deadlines(where clause: String, _ values: [Database.Value], repeats: Bool = false) throws(StoreError) -> [Deadline] {
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

    @inlinable public func deadlines(forCase caseReference: CaseReference) throws(StoreError) -> [Deadline] {
        try deadlines(where: "WHERE case_ref = ? ORDER BY due_at, id", [.text(caseReference.rawValue)], repeats: true)
    }

    @inlinable public func dueDeadlines(now: Date, limit: Int) throws(StoreError) -> [Deadline] {
        try deadlines(where: Database.dialect.dueDeadlines,
                      [.date(now), .integer(Int64(limit))])
    }

    @inlinable public func pendingDeadlines(limit: Int) throws(StoreError) -> [Deadline] {
        try deadlines(where: "WHERE state IN ('open', 'overdue') ORDER BY state = 'overdue' DESC, due_at LIMIT ?", [.integer(Int64(limit))])
    }
}
