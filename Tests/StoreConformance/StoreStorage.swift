import UraStore

/// Empty storage for one check, supplied by the backend under test: a database the check opens a
/// store on, and opens again to see that what was committed stays.
///
/// A conformer makes its storage fresh in `init` (a file in a new temporary directory, a new
/// PostgreSQL schema) so that checks running in parallel never see each other's rows.
public protocol StoreStorage: AnyObject, Sendable {
    /// A store on this storage. Called again once the previous store is closed, the new one must
    /// see everything the previous one committed.
    func open(ledger: LedgerConfiguration) throws -> any Store
    /// Deletes the storage; called once, after the last store on it closed.
    func remove()
}

/// Storage that is one already open store (for a fixture's `accepted()` on a store a test made).
public final class FixedStorage: StoreStorage, @unchecked Sendable {
    public let store: any Store
    public init(store: any Store) { self.store = store }
    public func open(ledger: LedgerConfiguration) throws -> any Store { store }
    public func remove() {}
}
