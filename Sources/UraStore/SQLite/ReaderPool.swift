import Foundation
import Synchronization

/// Read-only connections for concurrent readers (WAL lets them read while the writer commits).
/// A reader checks one out for the duration of a closure; when all are busy, a temporary one is
/// opened rather than making the caller wait.
final class ReaderPool: Sendable {
    private let path: String
    private let idle: Mutex<[SQLiteConnection]>
    private let capacity: Int

    init(path: String, capacity: Int) {
        self.path = path
        self.capacity = capacity
        self.idle = Mutex([])
    }

    func read<T>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        let connection: SQLiteConnection
        if let pooled = idle.withLock({ $0.popLast() }) { connection = pooled } else { connection = try open() }
        defer {
            idle.withLock { pool in
                if pool.count < capacity { pool.append(connection) }
            }
        }
        return try body(connection)
    }

    private func open() throws(StoreError) -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path, readOnly: true)
        try connection.execute("PRAGMA query_only = ON; PRAGMA cache_size = -16384; PRAGMA mmap_size = 1073741824;")
        return connection
    }

    func closeAll() { idle.withLock { $0.removeAll() } }
}
