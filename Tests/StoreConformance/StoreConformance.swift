/// The behaviour every `Store` backend must have, written against the protocol alone: what the
/// gateway relies on, from intake to the monitoring views. A backend's test target runs all of it
/// with a parameterised test over `checks`, each check on fresh storage the backend supplies:
///
/// ```swift
/// @Test(arguments: StoreConformance.checks)
/// func meetsTheStoreContract(_ check: StoreCheck) async throws {
///     try await check.run { try SQLiteStorage() }
/// }
/// ```
///
/// What only one backend has (SQLite's migrations, its group-commit writer, a database edited
/// behind its back) is tested in that backend's own test target.
public enum StoreConformance {
    /// Every check, area by area.
    public static let checks: [StoreCheck] =
        commit + delivery + receiptsFeed + retention + declarations + ledger + deadlines + monitoring + federation
}
