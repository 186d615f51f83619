import Foundation
import UraPostgresTestSupport
import UraStore
import UraStoreConformance
@testable import UraStorePostgres

/// A schema of its own on the process's shared PostgreSQL server: what the conformance suite and
/// the PostgreSQL-only tests open stores on. The store reaches it through `search_path` in the URL.
final class PostgresStorage: StoreStorage {
    let server: PostgresServer
    let schema: String
    let url: String
    let options: PostgresStore.Options

    init(options: PostgresStore.Options = PostgresStore.Options()) throws {
        self.options = options
        server = try PostgresServer.shared()
        schema = "s_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let schema = self.schema
        try Self.admin(server) { try $0.execute("CREATE SCHEMA \(schema)") }
        url = server.url(parameters: ["options": "-csearch_path=\(schema)"])
    }

    /// A storage made from async code: the shared server is started (the first time) off the
    /// cooperative pool, see `PostgresServer.shared()`.
    static func make(options: PostgresStore.Options = PostgresStore.Options()) async throws -> PostgresStorage {
        _ = try await PostgresServer.shared()
        return try PostgresStorage(options: options)
    }

    func open(ledger: LedgerConfiguration) throws -> any Store {
        try PostgresStore(url: url, ledger: ledger, options: options)
    }

    /// A connection of its own to the schema, for looking behind the store's back.
    func connection() throws -> PostgresConnection { try PostgresConnection(url: url) }

    func remove() {
        try? Self.admin(server) { try $0.execute("DROP SCHEMA \(schema) CASCADE") }
    }

    static func admin(_ server: PostgresServer, _ body: (PostgresConnection) throws -> Void) throws {
        let db = try PostgresConnection(url: server.url())
        defer { db.close() }
        try body(db)
    }
}
