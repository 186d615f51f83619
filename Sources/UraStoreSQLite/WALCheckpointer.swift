import UraBasics
import Foundation
import UraProtocol
import UraStore

/// Copies committed pages from the write-ahead log into the database file on its own connection
/// and thread, so the writer's commits never pay for it (`wal_autocheckpoint` is off). A passive
/// checkpoint never blocks the writer or readers; one runs every `interval`, and a truncating one
/// when the store closes. Under a steady stream of commits these never reach the end of the log,
/// so the writer completes one itself now and then (`GroupCommitWriter.keepLogBounded`).
final class WALCheckpointer: @unchecked Sendable {
    private let connection: SQLiteConnection
    private let condition = MonotonicCondition()
    private let interval: TimeInterval
    private var running = true
    private var finished = false

    init(path: String, interval: TimeInterval = 0.05) throws(StoreError) {
        connection = try SQLiteConnection(path: path)
        try connection.execute("PRAGMA wal_autocheckpoint = 0")
        self.interval = interval
    }

    func start() {
        Thread.startNamed("ura-store-ckpt") { [self] in loop() }
    }

    private func loop() {
        condition.lock()
        while running {
            condition.unlock()
            // A failed passive checkpoint is retried at the next tick; the log only grows meanwhile.
            try? connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            condition.lock()
            if running { _ = condition.wait(untilNanoseconds: MonotonicCondition.now + UInt64(interval * 1e9)) }
        }
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    func stop() {
        condition.lock()
        running = false
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
        try? connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        connection.close()
    }
}
