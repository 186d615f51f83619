import Foundation
import UraStoreConformance
import UraStoreSQLite

/// The conformance suite's fixture on SQLite, for the tests of what only SQLite has (its writer,
/// its files, its schema).
extension StoreFixture {
    /// A store on a SQLite file in a fresh temporary directory.
    convenience init(options: SQLiteStore.Options = SQLiteStore.Options()) throws {
        try self.init(storage: try SQLiteStorage(options: options))
    }

    /// The store under test as the SQLite store it is (every fixture of this target opens one).
    var sqlite: SQLiteStore { store as! SQLiteStore }
    var path: String { (storage as! SQLiteStorage).path }
    var directory: URL { (storage as! SQLiteStorage).directory }
}
