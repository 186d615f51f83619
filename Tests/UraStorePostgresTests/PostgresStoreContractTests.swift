import Testing
import UraPostgresTestSupport
import UraStoreConformance
import UraTestTraits

/// `PostgresStore` passes every check of the store conformance suite, each on a schema of its own
/// on a real PostgreSQL server (skipped, loudly, only where no server binaries exist).
@Suite(.offThePool, .enabled(if: PostgresServer.available)) struct PostgresStoreContractTests {
    @Test(arguments: StoreConformance.checks)
    func meetsTheStoreContract(_ check: StoreCheck) async throws {
        _ = try await PostgresServer.shared()  // started off the cooperative pool, not by the first storage
        try await check.run { try PostgresStorage() }
    }
}
