#if canImport(Glibc)
import Glibc
#endif
import CSQLite
import UraStore

/// A consistent copy of a store's database while urad keeps writing to it: SQLite's online backup
/// API copies the pages of one read snapshot (a write that lands meanwhile restarts the copy), into a
/// new file created 0600.
package enum SQLiteBackup {
    /// Copies the database at `source` to `destination`, which must not exist yet.
    package static func copy(from source: String, to destination: String) throws(StoreError) {
        let fd = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw StoreError.invalidState("cannot create \(destination): \(String(cString: strerror(errno))) (a backup never overwrites a file)")
        }
        close(fd)
        do {
            let from = try SQLiteConnection(path: source, readOnly: true)
            defer { from.close() }
            let to = try SQLiteConnection(path: destination)
            defer { to.close() }
            try from.backup(into: to)
            // A plain file, not write-ahead: the backup is one file to keep and move.
            try to.execute("PRAGMA journal_mode = DELETE")
        } catch {
            unlink(destination)
            throw error
        }
    }
}

extension SQLiteConnection {
    /// Copies this database's pages into `target`'s main database, all in one step.
    func backup(into target: SQLiteConnection) throws(StoreError) {
        try withHandle { (source) throws(StoreError) in
            try target.withHandle { (destination) throws(StoreError) in
                guard let backup = sqlite3_backup_init(destination, "main", source, "main") else {
                    throw StoreError.unavailable("the backup cannot start: \(String(cString: sqlite3_errmsg(destination)))")
                }
                var rc: Int32
                repeat { rc = sqlite3_backup_step(backup, -1) } while rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED
                sqlite3_backup_finish(backup)
                guard rc == SQLITE_DONE else {
                    throw StoreError.fromSQLite(rc, String(cString: sqlite3_errmsg(destination)), sql: nil)
                }
            }
        }
    }
}
