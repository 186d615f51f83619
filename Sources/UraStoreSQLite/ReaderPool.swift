import Foundation
import Synchronization
import UraProtocol
import UraStore

/// Read-only connections for concurrent readers (WAL lets them read while the writer commits).
/// A reader checks one out for the duration of a closure; when all are busy, a temporary one is
/// opened rather than making the caller wait.
final class ReaderPool: Sendable {
    private let path: String
    private let idle: Mutex<(connections: [SQLiteConnection], closed: Bool)>
    private let capacity: Int

    init(path: String, capacity: Int) {
        self.path = path
        self.capacity = capacity
        self.idle = Mutex(([], false))
    }

    func read<T>(_ body: (SQLiteConnection) throws(StoreError) -> T) throws(StoreError) -> T {
        let connection: SQLiteConnection
        if let pooled = idle.withLock({ $0.connections.popLast() }) { connection = pooled } else { connection = try open() }
        defer {
            let keep = idle.withLock { pool in
                guard !pool.closed, pool.connections.count < capacity else { return false }
                pool.connections.append(connection)
                return true
            }
            if !keep { connection.close() }
        }
        return try body(connection)
    }

    private func open() throws(StoreError) -> SQLiteConnection {
        let connection = try SQLiteConnection(path: path, readOnly: true)
        try connection.execute("PRAGMA query_only = ON; PRAGMA cache_size = -16384; PRAGMA mmap_size = 1073741824;")
        return connection
    }

    /// Closes the idle connections now, and each busy one when its reader is done with it.
    func closeAll() {
        let connections = idle.withLock { pool in
            pool.closed = true
            defer { pool.connections = [] }
            return pool.connections
        }
        for connection in connections { connection.close() }
    }
}
