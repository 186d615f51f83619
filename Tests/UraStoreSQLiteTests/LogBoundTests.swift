import Foundation
import Testing
import UraBasics
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraStore
import UraStoreConformance
import UraStoreSQLite
import UraTestTraits

/// Under a steady stream of commits SQLite's log never starts over by itself (the checkpointer
/// never catches up with its end); the writer finishes a checkpoint between batches once the log
/// is long, so the log stays bounded and nothing is lost.
@Suite(.offThePool) struct LogBoundTests {
    @Test func theLogStartsOverUnderASteadyStreamOfCommits() async throws {
        var options = SQLiteStore.Options()
        options.logRestartFrames = 32
        let f = try StoreFixture(options: options)
        var ids: [MessageID] = []
        for _ in 0..<40 {
            let batch = (0..<8).map { _ in MessageID.random() }
            ids += batch
            try await withThrowingTaskGroup(of: Void.self) { group in
                for id in batch { group.addTask { _ = try await f.store.commit(f.accepted(id: id)) } }
                try await group.waitForAll()
            }
        }
        let statistics = f.sqlite.commitStatistics
        #expect(statistics.logCheckpoints > 0)
        #expect(statistics.logRestarts > 0)
        // 320 messages write well over a thousand frames; a log that starts over stays near the bound.
        let logBytes = try #require(try FileManager.default.attributesOfItem(atPath: f.path + "-wal")[.size] as? Int)
        #expect(logBytes < 400 * 4_120, "the log has \(logBytes) bytes")

        try f.reopen()
        for id in ids { #expect(try f.store.message(id) != nil) }
        let entries = try f.store.ledgerEntries(from: 0, count: 1_000)
        #expect(entries.count == ids.count)
        var previous = LedgerChain.genesis
        for entry in entries {
            #expect(entry.hash == SHA256.hash([0x00] + entry.leaf))
            #expect(try JSONValue(parsing: entry.leaf)["prev"]?.stringValue == Hex.encode(previous))
            previous = entry.hash
        }
    }
}
