import Foundation
import Testing
import UraPostgresTestSupport
import UraModel
import UraStore
import UraStoreConformance
@testable import UraStorePostgres
import UraTestTraits

/// The schema's versions on PostgreSQL: the binary carries deploy/postgres exactly, a schema from a
/// newer urad is refused, and nodes starting at once migrate one after the other.
@Suite(.offThePool, .enabled(if: PostgresServer.available)) struct PostgresMigrationTests {
    /// deploy/postgres/*.sql, from this file's place in the repository.
    static let deployDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("deploy/postgres")

    @Test func theBinaryCarriesDeployPostgresByteForByte() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.deployDirectory.path)
            .filter { $0.hasSuffix(".sql") }.sorted()
        #expect(names == PostgresMigrations.files.map(\.name), "run scripts/postgres-migrations")
        for (name, sql) in PostgresMigrations.files {
            let file = try Data(contentsOf: Self.deployDirectory.appendingPathComponent(name))
            #expect(Array(file) == Array(sql.utf8), "\(name) differs from its copy in PostgresMigrations+Files.swift; run scripts/postgres-migrations")
        }
        // Numbered from 001 without gaps: the version is the position.
        for (index, name) in names.enumerated() { #expect(name.hasPrefix(String(format: "%03d_", index + 1))) }
    }

    @Test func aSchemaFromANewerVersionIsRefused() async throws {
        let storage = try await PostgresStorage.make()
        defer { storage.remove() }
        try storage.open(ledger: StoreFixture.ledger).close()
        let db = try storage.connection()
        defer { db.close() }
        #expect(try PostgresMigrations.version(of: db) == PostgresMigrations.latest)
        try db.execute("INSERT INTO ura_schema_migrations (version, name) VALUES (99, '099_future.sql')")
        #expect { try storage.open(ledger: StoreFixture.ledger) } throws: {
            "\($0)".contains("schema version 99, newer than this urad (\(PostgresMigrations.latest))")
                && "\($0)".contains("127.0.0.1 port \(storage.server.port)")
        }
        // Nothing was written to it.
        #expect(try db.scalar("SELECT count(*) FROM ura_schema_migrations")?.int == PostgresMigrations.latest + 1)
        try db.execute("DELETE FROM ura_schema_migrations WHERE version = 99")
        try storage.open(ledger: StoreFixture.ledger).close()
    }

    /// Version 4 keeps a message's ledger index only in its entry: a database at version 3 whose
    /// messages name their acceptance entries is brought to it, and reads the same indexes; one whose
    /// stored index names another entry is refused with a sentence, and left at version 3.
    @Test func version4KeepsTheLedgerIndexInTheLedgerAndRefusesADatabaseWhereTheyDiffer() async throws {
        let storage = try await PostgresStorage.make()
        defer { storage.remove() }
        let store = try storage.open(ledger: StoreFixture.ledger)
        let fixture = try StoreFixture(storage: FixedStorage(store: store))
        var ids: [MessageID] = []
        for _ in 0..<5 {
            let message = fixture.accepted()
            _ = try await store.commit(message)
            ids.append(message.metadata.id)
        }
        #expect(try await store.record(.delivered(receipt: [1], at: fixture.start), for: ids[0], recipient: StoreFixture.secretariat))
        store.close()
        let db = try storage.connection()
        defer { db.close() }
        // The database as version 3 left it: the index in the message's row too.
        func downgrade() throws {
            try db.execute("""
                ALTER TABLE messages ADD COLUMN ledger_index bigint;
                UPDATE messages m SET ledger_index = (SELECT min(l.idx) FROM ledger l WHERE l.message_seq = m.seq);
                ALTER TABLE messages ALTER COLUMN ledger_index SET NOT NULL;
                DELETE FROM ura_schema_migrations WHERE version >= 4
                """)
        }
        try downgrade()
        let reopened = try storage.open(ledger: StoreFixture.ledger)
        #expect(try ids.map { try reopened.message($0)?.ledgerIndex } == Array(0..<5))
        #expect(try reopened.ledgerIndexes(forMessage: ids[0]).count == 2, "the acceptance and the delivery")
        reopened.close()
        #expect(try PostgresMigrations.version(of: db) == PostgresMigrations.latest)
        #expect(try db.scalar("SELECT count(*) FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'messages' AND column_name = 'ledger_index'")?.int == 0)

        try downgrade()
        try db.execute("UPDATE messages SET ledger_index = ledger_index + 1 WHERE id = '\(ids[2].rawValue)'")
        #expect { try storage.open(ledger: StoreFixture.ledger) } throws: {
            guard case StoreError.corrupt(let text) = $0 else { return false }
            return text.contains("1 messages name a ledger entry that is not the first entry referring to them")
                && !text.contains("DO $$")
        }
        #expect(try PostgresMigrations.version(of: db) == 3)
        #expect(try db.scalar("SELECT ledger_index FROM messages WHERE id = '\(ids[2].rawValue)'")?.int == 3)
    }

    /// Eight nodes start at once on an empty schema: one migrates, the others wait on the advisory
    /// lock and find it current (without the lock, the second CREATE TABLE fails).
    @Test func nodesStartingAtOnceMigrateOneAfterTheOther() async throws {
        let storage = try await PostgresStorage.make()
        defer { storage.remove() }
        let results = await withTaskGroup(of: Result<Void, Error>.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    await Self.onThread {
                        Result { try storage.open(ledger: StoreFixture.ledger).close() }
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        for case .failure(let error) in results { Issue.record("a node failed to start: \(error)") }
        let db = try storage.connection()
        defer { db.close() }
        var versions: [Int] = []
        try db.query("SELECT version FROM ura_schema_migrations ORDER BY version") { row in versions.append(row[0].int ?? -1) }
        #expect(versions == Array(1...PostgresMigrations.latest))
    }

    /// Runs blocking work (a libpq connect) on a thread of its own, never on the cooperative pool.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            Thread { continuation.resume(returning: body()) }.start()
        }
    }
}
