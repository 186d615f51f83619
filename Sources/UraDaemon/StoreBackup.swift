import Foundation
import UraGatewayCore
import UraProtocol
import UraStore
import UraStoreSQLite

/// `urad --backup FILE` and `urad --restore FILE` for the SQLite store. A backup is taken while
/// urad runs (SQLite's online backup API: one consistent snapshot, into a new file created 0600);
/// a restore puts one in place of a missing store (urad stopped) and opens it as urad would, so a
/// copy whose ledger head does not check out is reported at once. For PostgreSQL, pg_dump and
/// pg_restore do both (docs/operations.md).
enum StoreBackup {
    /// Takes the backup; returns the ledger size it holds.
    static func backup(_ configuration: GatewayConfiguration, to file: String) throws -> Int {
        guard configuration.storeBackend == .sqlite else {
            throw SetupError("store.backend is postgres: back it up with pg_dump -Fc -f \(file) '<store.url>' (consistent while urad runs); "
                             + "see docs/operations.md, PostgreSQL")
        }
        guard FileManager.default.fileExists(atPath: configuration.storePath.path) else {
            throw SetupError("there is no store at \(configuration.storePath.path) to back up")
        }
        try SQLiteBackup.copy(from: configuration.storePath.path, to: file)
        let copy = try SQLiteConnection(path: file, readOnly: true)
        defer { copy.close() }
        var size = 0
        try copy.query("SELECT tree_size FROM ledger_head WHERE id = 1") { (row) throws(StoreError) in size = row[0].int ?? 0 }
        return size
    }

    /// Restores `file` as the store (which must not exist) and checks it; returns its ledger size.
    static func restore(_ configuration: GatewayConfiguration, from file: String, ledger: LedgerConfiguration) throws -> Int {
        guard configuration.storeBackend == .sqlite else {
            throw SetupError("store.backend is postgres: restore a pg_dump with pg_restore into an empty database; see docs/operations.md")
        }
        let path = configuration.storePath.path
        guard !FileManager.default.fileExists(atPath: path) else {
            throw SetupError("there is a store at \(path) already; move it (and its -wal and -shm) away first — a restore never overwrites one")
        }
        guard FileManager.default.fileExists(atPath: file) else { throw SetupError("there is no backup at \(file)") }
        try SQLiteBackup.copy(from: file, to: path)
        let store: SQLiteStore
        do { store = try SQLiteStore(path: path, ledger: ledger) } catch {
            throw SetupError("the restored store \(path) cannot be opened: \(error)")
        }
        defer { store.close() }
        if let refusal = store.writeRefusal { throw SetupError("the restored store does not check out: \(refusal)") }
        return try store.ledgerSize()
    }
}
