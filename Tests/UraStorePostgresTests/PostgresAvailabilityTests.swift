import Foundation
import Testing
import UraModel
import UraPostgresTestSupport
import UraStore
import UraStoreConformance
@testable import UraStorePostgres
import UraTestTraits

/// What the store does when the database is not there: a clear sentence naming where it tried,
/// `unavailable` (never a commit that did not happen) while the server is down, and a reconnect by
/// itself once it is back.
@Suite(.offThePool, .enabled(if: PostgresServer.available)) struct PostgresAvailabilityTests {
    @Test func noServerAtStartNamesTheHostAndPort() throws {
        let port = try PostgresServer.freePort()
        #expect { try PostgresStore(url: "postgresql://ura@127.0.0.1:\(port)/ura?connect_timeout=5", ledger: StoreFixture.ledger) } throws: {
            guard case .unavailable(let text) = $0 as? StoreError else { return false }
            return text.contains("cannot connect to PostgreSQL at 127.0.0.1 port \(port)")
        }
        #expect { try PostgresStore(url: "postgresql://ura@127.0.0.1:\(port)/ura?sslmode=bogus", ledger: StoreFixture.ledger) } throws: {
            "\($0)".contains("sslmode")
        }
    }

    /// urad's connection defaults (timeouts, keepalives, application_name) apply unless the URL
    /// sets them; a `key=value` string works as a URI does.
    @Test func theURLOverridesTheConnectionDefaults() async throws {
        let server = try await PostgresServer.shared()
        func setting(_ url: String, _ name: String) throws -> String? {
            let db = try PostgresConnection(url: url)
            defer { db.close() }
            return try db.scalar("SHOW \(name)")?.string
        }
        #expect(try setting(server.url(), "application_name") == "urad")
        #expect(try setting(server.url(parameters: ["application_name": "node-7"]), "application_name") == "node-7")
        #expect(try setting("host=127.0.0.1 port=\(server.port) user=ura dbname=postgres application_name=kv", "application_name") == "kv")
    }

    @Test func multiHostURLsAreDescribedHostByHost() {
        #expect(PostgresURL.describe("postgresql://ura:secret@db1:5433,db2/ura?target_session_attrs=read-write")
                == "db1 port 5433, db2 port 5432")
        #expect(!PostgresURL.describe("postgresql://ura:secret@db1/ura").contains("secret"))
    }

    /// The server stops under a running store: writes and reads fail with `unavailable`, nothing is
    /// reported committed; it starts again and the same store carries on, its ledger whole.
    @Test func aLostServerMakesCallsUnavailableAndTheStoreReconnects() async throws {
        let server = try await PostgresServer.start()
        defer { server.stop() }
        let url = server.url(parameters: ["connect_timeout": "5"])
        let store = try PostgresStore(url: url, ledger: StoreFixture.ledger)
        defer { store.close() }
        let fixture = try StoreFixture(storage: FixedStorage(store: store))
        let first = fixture.accepted()
        _ = try await store.commit(first)

        try await PostgresMigrationTests.onThread { Result { try server.halt() } }.get()
        let lost = fixture.accepted()
        await #expect { _ = try await store.commit(lost) } throws: {
            guard case .unavailable(let text) = $0 as? StoreError else { return false }
            return text.contains("127.0.0.1 port \(server.port)")
        }
        #expect { _ = try store.ledgerSize() } throws: { if case .unavailable = $0 as? StoreError { true } else { false } }

        try await PostgresMigrationTests.onThread { Result { try server.start() } }.get()
        // The pooled read connections lost their server; the first read reconnects by itself.
        #expect(try store.ledgerSize() == 1)
        #expect(try await store.commit(lost) == .committed(ledgerIndex: 1))
        #expect(try await store.commit(first) == .duplicate(acceptedReceipt: first.acceptedReceipt))
        #expect(try store.ledgerSize() == 2)
        #expect(try store.signedHead()?.treeSize == 2)
    }
}
