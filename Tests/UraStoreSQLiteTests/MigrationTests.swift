import Foundation
import Testing
import UraStore
import UraStoreConformance
@testable import UraStoreSQLite

/// The schema's versions: a database from a newer urad is refused, and migration 6 rebuilds
/// deliveries and deadlines so their state CHECKs no longer cost a temporary b-tree on every write
/// (a database written by the previous version keeps every row and index).
@Suite struct MigrationTests {
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
        FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
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
        let deadlines = try Self.rows(before, "SELECT * FROM deadlines ORDER BY id")
        let indexes = try Self.indexes(before)
        before.close()
        #expect(deliveries.count == 5 && deadlines.count == 2)

        let store = try SQLiteStore(path: path, ledger: StoreFixture.ledger)
        store.close()

        let after = try SQLiteConnection(path: path)
        defer { after.close() }
        #expect(try after.scalar("PRAGMA user_version")?.int == Migrations.all.count)
        #expect(try Self.rows(after, "SELECT * FROM deliveries ORDER BY message_seq, recipient") == deliveries)
        #expect(try Self.rows(after, "SELECT * FROM deadlines ORDER BY id") == deadlines)
        #expect(try Self.indexes(after) == indexes)
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
}
