import Foundation
import Testing
@testable import UraDaemon
import UraModel
import UraPostgresTestSupport
import UraStore
import UraStoreConformance
import UraStorePostgres
import UraStoreSQLite
import UraTestTraits

/// `ura-admin migrate-store` copies what a country's SQLite store holds for federation too: which
/// peer relayed a message, and the delivered receipts still owed to that peer, so the forwarding
/// carries on from PostgreSQL.
@Suite(.offThePool, .enabled(if: PostgresServer.available)) struct StoreMigrationTests {
    @Test func aRelayedMessageAndTheReceiptOwedToItsPeerAreCopied() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ura-migrate-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ura.sqlite").path
        let sqlite = try SQLiteStore(path: path, ledger: StoreFixture.ledger)
        let fixture = try StoreFixture(storage: FixedStorage(store: sqlite))
        let peer = AgencyID(validated: "xk.ura.gateway")
        var relayed = fixture.accepted(to: [StoreFixture.shelter])
        relayed.relayedBy = peer
        let id = relayed.metadata.id
        _ = try await sqlite.commit(relayed)
        _ = try await fixture.claim()
        #expect(try await sqlite.record(.delivered(receipt: [7], at: fixture.start), for: id, recipient: StoreFixture.shelter))
        #expect(try sqlite.dueForwards(now: fixture.start, limit: 10).count == 1)
        sqlite.close()

        let server = try await PostgresServer.shared()
        let url = server.url(database: try await server.createDatabase())
        let summary = try StoreMigration.copy(sqlitePath: path, to: url, ledger: StoreFixture.ledger)
        #expect(summary.rows.first { $0.table == "receipt_forwards" }?.count == 1, "\(summary.rows)")
        let postgres = try PostgresStore(url: url, ledger: StoreFixture.ledger)
        defer { postgres.close() }
        let owed = try postgres.dueForwards(now: fixture.start, limit: 10)
        #expect(owed.map(\.receipt) == [[7]] && owed.first?.peer == peer && owed.first?.message == id, "\(owed)")
        #expect(try postgres.message(id)?.ledgerIndex == 0)
        let db = try PostgresConnection(url: url)
        defer { db.close() }
        #expect(try db.scalar("SELECT relayed_by FROM messages WHERE id = ?", [.text(id.rawValue)])?.string == peer.rawValue)
    }
}
