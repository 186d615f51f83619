import Testing
import UraStoreConformance
import UraTestTraits

/// `SQLiteStore` passes every check of the store conformance suite, each on its own database file.
@Suite(.offThePool) struct SQLiteStoreContractTests {
    @Test(arguments: StoreConformance.checks)
    func meetsTheStoreContract(_ check: StoreCheck) async throws {
        try await check.run { try SQLiteStorage() }
    }
}
