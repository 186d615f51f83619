import Foundation
import Testing
import UraStore
import UraStoreConformance
@testable import UraStoreSQLite
import UraTestTraits

/// The schema's versions: a database from a newer urad is refused, and migration 6 rebuilds
/// deliveries and deadlines so their state CHECKs no longer cost a temporary b-tree on every write
/// (a database written by the previous version keeps every row and index).
@Suite(.offThePool) struct MigrationTests {
    @Test func databaseFromANewerVersionIsRefused() async throws {
        let f = try StoreFixture()
        f.store.close()
        let raw = try SQLiteConnection(path: f.path)
        try raw.execute("PRAGMA user_version = 99")
        #expect { try SQLiteStore(path: f.path, ledger: StoreFixture.ledger) } throws: {
            "\($0)".contains("newer than this urad")
        }
        try raw.execute("PRAGMA user_version = \(Migrations.all.count)")
        try f.reopen()
    }

    /// A database at schema version 5, as the previous urad left it, with deliveries in every
    /// state and deadlines open and met.
    static func version5Database(at path: String) throws {
        // Made 0600 first, as an operator upgrading from a release that made it 0644 must (operations.md).
        #expect(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]))
        let db = try SQLiteConnection(path: path)
        defer { db.close() }
        try db.execute("PRAGMA journal_mode = WAL")
        for migration in Migrations.all.prefix(5) { try db.execute(migration) }
        try db.execute("PRAGMA user_version = 5")
        try db.execute("""
            INSERT INTO messages (seq, id, digest, type, sender, recipients, case_ref, subject, priority, created_at, expires_at,
                                  accepted_at, jws, accepted_receipt, ledger_index)
            VALUES (1, '0193a1b2-0000-7000-8000-000000000001', 'd', 'referral.shelter', 'al.police.dvp-tirane', '[]',
                    'AL-2026-000042', 'child', 'normal', 1, 2, 1, x'00', x'00', 0);
            INSERT INTO deliveries (message_seq, recipient, channel, state, priority, attempts, next_attempt_at, lease_until,
                                    last_attempt_at, last_error, settled_at, receipt, deliver_until) VALUES
                (1, 'a.pending', 'pull', 'pending', 1, 0, 10, NULL, NULL, NULL, NULL, NULL, 99),
                (1, 'b.in-flight', 'push', 'in_flight', 1, 1, 10, 20, 11, NULL, NULL, NULL, 99),
                (1, 'c.retry', 'push', 'retry_scheduled', 1, 2, 30, NULL, 12, 'timeout', NULL, NULL, 99),
                (1, 'd.delivered', 'pull', 'delivered', 1, 1, 10, NULL, 13, NULL, 14, x'0102', 99),
                (1, 'e.dead', 'push', 'dead_letter', 1, 5, 10, NULL, 15, 'refused', 16, x'03', 99);
            INSERT INTO deadlines (id, series, case_ref, trigger_id, trigger_type, expected, responsible, responsible_kinds,
                                   optional, rule, occurrence, armed_at, due_at, state, met_by, met_at, notified_at) VALUES
                ('t/open', 't/open', 'AL-2026-000042', 'm1', 'referral.shelter', '["intake.report"]', '["al.shelter"]', '["shelter"]',
                 0, '24h', NULL, 1, 100, 'open', NULL, NULL, NULL),
                ('t/met', 't/met', 'AL-2026-000042', 'm1', 'referral.shelter', '["risk.assessment"]', '[]', '[]',
                 1, '3d', 2, 1, 200, 'met', 'm2', 150, 90);
            """)
    }

    static let version6DeadlineColumns = """
        id, series, case_ref, trigger_id, trigger_type, expected, responsible, responsible_kinds, optional, rule, occurrence,
        armed_at, due_at, state, met_by, met_at, notified_at
        """

    static func rows(_ db: SQLiteConnection, _ sql: String) throws -> [[SQLiteValue]] {
        var rows: [[SQLiteValue]] = []
        try db.query(sql) { row in rows.append((0..<row.count).map { row[$0] }) }
        return rows
    }

    static func indexes(_ db: SQLiteConnection) throws -> [[SQLiteValue]] {
        var rows: [[SQLiteValue]] = []
        try db.query("SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL ORDER BY name") { row in
            rows.append([row[0], row[1], row[2]])
        }
        return rows
    }

    @Test func version5KeepsEveryRowAndIndexAndWritesWithoutATemporaryBTree() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ura-migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ura.sqlite").path
        try Self.version5Database(at: path)

        let before = try SQLiteConnection(path: path)
        let deliveries = try Self.rows(before, "SELECT * FROM deliveries ORDER BY message_seq, recipient")
        let deadlines = try Self.rows(before, "SELECT \(Self.version6DeadlineColumns) FROM deadlines ORDER BY id")
        let indexes = try Self.indexes(before)
        before.close()
        #expect(deliveries.count == 5 && deadlines.count == 2)

        let store = try SQLiteStore(path: path, ledger: StoreFixture.ledger)
        store.close()

        let after = try SQLiteConnection(path: path)
        defer { after.close() }
        #expect(try after.scalar("PRAGMA user_version")?.int == Migrations.all.count)
        #expect(try Self.rows(after, "SELECT * FROM deliveries ORDER BY message_seq, recipient") == deliveries)
        #expect(try Self.rows(after, "SELECT \(Self.version6DeadlineColumns) FROM deadlines ORDER BY id") == deadlines)
        // Migration 7 adds the obligation's indexes, 9 widens messages_accepted and adds the given-up
        // deliveries' index, 10 adds federation's; every other one is as it was.
        let changed = ["deadlines_obligation", "deadline_triggers_trigger", "messages_accepted", "deliveries_given_up",
                       "receipts_relay_accepted", "receipt_forwards_due"]
        #expect(try Self.indexes(after).filter { !changed.contains($0[0].string ?? "") } == indexes.filter { !changed.contains($0[0].string ?? "") })
        #expect(try Self.indexes(after).contains { $0[0].string == "messages_accepted" && ($0[2].string ?? "").contains("case_ref") })
        #expect(try after.scalar("PRAGMA integrity_check")?.string == "ok")
        #expect(try after.scalar("PRAGMA foreign_key_check") == nil)

        // The constraints still hold.
        #expect(throws: StoreError.self) { try after.run("UPDATE deliveries SET state = 'lost' WHERE recipient = 'a.pending'") }
        #expect(throws: StoreError.self) { try after.run("UPDATE deliveries SET channel = 'mail' WHERE recipient = 'a.pending'") }
        #expect(throws: StoreError.self) { try after.run("UPDATE deadlines SET state = 'forgotten' WHERE id = 't/open'") }

        // What the migration is for: writing a delivery or a deadline builds no temporary b-tree.
        for sql in [
            "INSERT INTO deliveries (message_seq, recipient, channel, state, priority, next_attempt_at, deliver_until) VALUES (?, ?, ?, 'pending', ?, ?, ?)",
            "UPDATE deliveries SET state = 'delivered', settled_at = ? WHERE message_seq = ? AND recipient = ?",
            "UPDATE deadlines SET state = 'met', met_by = ?, met_at = ? WHERE id = ?",
        ] {
            var opcodes: [String] = []
            try after.query("EXPLAIN " + sql) { row in opcodes.append(row[1].string ?? "") }
            #expect(!opcodes.isEmpty && !opcodes.contains("OpenEphemeral"), "\(sql)")
        }
    }

    /// Before version 7 a deadline was armed per triggering message: three emergency measures for one
    /// case left three open 72-hour deadlines. The migration keeps one per obligation (the one already
    /// reported overdue, else the oldest), links the other triggers to it, and leaves alone what is
    /// met, what the catalogue keeps per message, and other cases.
    @Test func version7MergesDuplicateDeadlinesOfOneObligation() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ura-migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ura.sqlite").path
        // Made 0600 as urad makes its store (it refuses one others can read).
        #expect(FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]))
        do {
            let db = try SQLiteConnection(path: path)
            defer { db.close() }
            try db.execute("PRAGMA journal_mode = WAL")
            for migration in Migrations.all.prefix(6) { try db.execute(migration) }
            try db.execute("PRAGMA user_version = 6")
            func row(_ id: String, case c: String = "AL-2026-000042", trigger: String, type: String = "protection.emergency-measure",
                     responsible: String = #"["al.ashdmf.tirane"]"#, kinds: String = #"["child"]"#, occurrence: String = "NULL",
                     armed: Int, state: String = "open", metBy: String = "NULL") -> String {
                let series = occurrence == "NULL" ? id : String(id[..<id.lastIndex(of: "/")!])
                return "('\(id)', '\(series)', '\(c)', '\(trigger)', '\(type)', '[]', '\(responsible)', '\(kinds)', 0, '72h', \(occurrence), \(armed), \(armed + 100), '\(state)', \(metBy), NULL, NULL)"
            }
            let rows = [
                row("m1/0", trigger: "m1", armed: 1), row("m2/0", trigger: "m2", armed: 2), row("m3/0", trigger: "m3", armed: 3),
                row("m0/0", trigger: "m0", armed: 0, state: "met", metBy: "'r0'"),                       // met: not pending
                row("o1/0", case: "AL-2026-000043", trigger: "o1", armed: 1),                            // another case
                row("f1/0", trigger: "f1", type: "return.found-abroad", responsible: "[]", kinds: #"["secretariat"]"#, armed: 1),
                row("f2/0", trigger: "f2", type: "return.found-abroad", responsible: "[]", kinds: #"["secretariat"]"#, armed: 2, state: "overdue"),
                row("a1/0", trigger: "a1", type: "identification.appeal", armed: 1),                      // per message
                row("a2/0", trigger: "a2", type: "identification.appeal", armed: 2),
                row("p1/1/1", trigger: "p1", type: "reintegration.plan", responsible: #"["b.social","a.child"]"#, occurrence: "1", armed: 1),
                row("p1/1/2", trigger: "p1", type: "reintegration.plan", responsible: #"["b.social","a.child"]"#, occurrence: "2", armed: 1),
                row("p2/1/1", trigger: "p2", type: "reintegration.plan", responsible: #"["a.child","b.social"]"#, occurrence: "1", armed: 2),
                row("p2/1/2", trigger: "p2", type: "reintegration.plan", responsible: #"["a.child","b.social"]"#, occurrence: "2", armed: 2),
            ]
            try db.execute("""
                INSERT INTO deadlines (id, series, case_ref, trigger_id, trigger_type, expected, responsible, responsible_kinds,
                                       optional, rule, occurrence, armed_at, due_at, state, met_by, met_at, notified_at) VALUES
                \(rows.joined(separator: ",\n"))
                """)
        }

        try SQLiteStore(path: path, ledger: StoreFixture.ledger).close()

        let db = try SQLiteConnection(path: path)
        defer { db.close() }
        #expect(try Self.rows(db, "SELECT id, obligation FROM deadlines ORDER BY id") == [
            [.text("a1/0"), .null], [.text("a2/0"), .null],
            [.text("f2/0"), .text("return.found-abroad#0 kinds:secretariat")],
            [.text("m0/0"), .text("protection.emergency-measure#0 al.ashdmf.tirane")],
            [.text("m1/0"), .text("protection.emergency-measure#0 al.ashdmf.tirane")],
            [.text("o1/0"), .text("protection.emergency-measure#0 al.ashdmf.tirane")],
            [.text("p1/1/1"), .text("reintegration.plan#1 a.child,b.social")],
            [.text("p1/1/2"), .text("reintegration.plan#1 a.child,b.social")],
        ])
        #expect(try Self.rows(db, "SELECT deadline_id, trigger_id, linked_at FROM deadline_triggers ORDER BY deadline_id, trigger_id") == [
            [.text("f2/0"), .text("f1"), .integer(1)],
            [.text("m1/0"), .text("m2"), .integer(2)], [.text("m1/0"), .text("m3"), .integer(3)],
            [.text("p1/1/1"), .text("p2"), .integer(2)], [.text("p1/1/2"), .text("p2"), .integer(2)],
        ])
        // The index that keeps it so: a second pending deadline of one obligation cannot be written.
        #expect(throws: StoreError.self) {
            try db.run("UPDATE deadlines SET state = 'open' WHERE id = 'm0/0'")
        }
        #expect(try db.scalar("PRAGMA integrity_check")?.string == "ok")
    }
}
