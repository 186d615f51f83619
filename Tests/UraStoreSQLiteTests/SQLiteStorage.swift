import Foundation
import UraStore
import UraStoreConformance
import UraStoreSQLite

/// A SQLite file in a fresh temporary directory: what the conformance suite and the SQLite-only
/// tests open stores on.
final class SQLiteStorage: StoreStorage {
    let directory: URL
    let path: String
    let options: SQLiteStore.Options

    init(options: SQLiteStore.Options = SQLiteStore.Options()) throws {
        self.options = options
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ura-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("ura.sqlite").path
    }

    func open(ledger: LedgerConfiguration) throws -> any Store {
        try SQLiteStore(path: path, ledger: ledger, options: options)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}
