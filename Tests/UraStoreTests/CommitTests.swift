import UraBasics
import Foundation
import Testing
import UraJSON
import UraModel
import UraProtocol
@testable import UraStoreSQLite
import UraStore
import UraStoreSQLite

@Suite struct CommitTests {
    @Test func commitStoresMessageDeliveriesAndLedgerEntry() async throws {
        let f = try StoreFixture()
        let message = f.accepted()
        let outcome = try await f.store.commit(message)
        #expect(outcome == .committed(ledgerIndex: 0))

        let stored = try #require(try f.store.message(message.metadata.id))
        #expect(stored.metadata == message.metadata)
        #expect(stored.signedBytes == message.signedBytes)
        #expect(stored.acceptedReceipt == message.acceptedReceipt)
        let deliveries = try f.store.deliveries(of: message.metadata.id)
        #expect(deliveries.map(\.recipient) == [StoreFixture.secretariat, StoreFixture.shelter])
        #expect(deliveries.allSatisfy { $0.state == .pending && $0.attempts == 0 && $0.deliverUntil == message.metadata.expires })
        #expect(try f.store.ledgerIndexes(forMessage: message.metadata.id) == [0])
    }

    @Test func sameIDAndDigestReturnsTheOriginalReceipt() async throws {
        let f = try StoreFixture()
        let message = f.accepted()
        _ = try await f.store.commit(message)
        var again = message
        again.acceptedReceipt = Array("a different signature".utf8)
        #expect(try await f.store.commit(again) == .duplicate(acceptedReceipt: message.acceptedReceipt))
        #expect(try f.store.ledgerSize() == 1)
    }

    @Test func sameIDWithAnotherDigestIsAConflict() async throws {
        let f = try StoreFixture()
        let message = f.accepted()
        _ = try await f.store.commit(message)
        let other = f.accepted(id: message.metadata.id, digest: String(repeating: "B", count: 43))
        #expect(try await f.store.commit(other) == .conflict(existingDigest: message.digest))
        #expect(try f.store.ledgerSize() == 1)
        #expect(try f.store.message(message.metadata.id)?.digest == message.digest)
    }

    @Test func concurrentCommitsShareOneTransaction() async throws {
        let f = try StoreFixture()
        f.store.writer.pause()
        let messages = (0..<50).map { _ in f.accepted() }
        try await withThrowingTaskGroup(of: CommitOutcome.self) { group in
            for message in messages { group.addTask { try await f.store.commit(message) } }
            while f.store.writer.queuedCount < messages.count { await Task.yield() }
            f.store.writer.resume()
            var indexes = Set<Int>()
            for try await outcome in group {
                guard case .committed(let index) = outcome else { Issue.record("unexpected \(outcome)"); continue }
                indexes.insert(index)
            }
            #expect(indexes == Set(0..<50))
        }
        let stats = f.store.commitStatistics
        #expect(stats.batches == 1 && stats.jobs == 50 && stats.largestBatch == 50)
    }

    /// Under a stream of submissions the writer waits for more jobs before committing, and commits
    /// as soon as `commitGather` are queued (here long before its generous delay runs out).
    @Test func aBatchGathersUnderLoad() async throws {
        var options = SQLiteStore.Options()
        options.commitDelay = .seconds(60)
        options.commitGather = 12
        let f = try StoreFixture(options: options)
        f.store.writer.pause()
        let messages = (0..<12).map { _ in f.accepted() }
        try await withThrowingTaskGroup(of: CommitOutcome.self) { group in
            for message in messages.prefix(10) { group.addTask { try await f.store.commit(message) } }
            while f.store.writer.queuedCount < 10 { await Task.yield() }
            f.store.writer.resume()
            let giveUp = ContinuousClock.now + .seconds(30)
            while !f.store.writer.isGathering && ContinuousClock.now < giveUp { await Task.yield() }
            #expect(f.store.writer.isGathering)
            for message in messages.suffix(2) { group.addTask { try await f.store.commit(message) } }
            for try await outcome in group {
                guard case .committed = outcome else { Issue.record("unexpected \(outcome)"); continue }
            }
        }
        let stats = f.store.commitStatistics
        #expect(stats.batches == 1 && stats.jobs == 12 && stats.gatheredBatches == 1)
    }

    /// The rule: wait only when the last cycle's arrivals bring at least two more within the delay.
    @Test func gatheringOnlyUnderAStream() {
        let rule = Gathering(delay: .milliseconds(1), target: 32)
        #expect(rule.waits(arrivals: 10, over: .milliseconds(2), queued: 4))   // 5,000/s: five more within 1 ms
        #expect(rule.waits(arrivals: 2, over: .milliseconds(1), queued: 1))    // 2,000/s: two more
        #expect(!rule.waits(arrivals: 1, over: .milliseconds(1), queued: 1))   // 1,000/s: commit at once
        #expect(!rule.waits(arrivals: 1, over: .seconds(10), queued: 1))       // a lone submission
        #expect(!rule.waits(arrivals: 100, over: .milliseconds(2), queued: 32)) // enough queued already
        #expect(!Gathering(delay: .zero, target: 32).waits(arrivals: 100, over: .milliseconds(2), queued: 1))
    }

    @Test func aFailingJobDoesNotTakeItsBatchDown() async throws {
        let f = try StoreFixture()
        let declaration = DeclarationRecord(
            id: "d1", caseReference: CaseReference(validated: "AL-2026-000042"), role: .interpreter, agency: StoreFixture.police,
            declaredOn: "2026-11-23", formDigest: "x", encryptedName: [1, 2, 3], recordedAt: f.start)
        try await f.store.recordDeclaration(declaration)
        f.store.writer.pause()
        let message = f.accepted()
        let duplicate = Task { try await f.store.recordDeclaration(declaration) }
        let commit = Task { try await f.store.commit(message) }
        while f.store.writer.queuedCount < 2 { await Task.yield() }
        f.store.writer.resume()
        await #expect(throws: StoreError.self) { try await duplicate.value }
        #expect(try await commit.value == .committed(ledgerIndex: 1))
        #expect(try f.store.ledgerSize() == 2)
        #expect(try f.store.declarations(forCase: CaseReference(validated: "AL-2026-000042")).count == 1)
    }

    @Test func reopenedStoreKeepsEverythingAndContinuesTheChain() async throws {
        let f = try StoreFixture()
        let first = f.accepted()
        _ = try await f.store.commit(first)
        try f.reopen()
        #expect(try f.store.message(first.metadata.id) != nil)
        #expect(try await f.store.commit(f.accepted()) == .committed(ledgerIndex: 1))
        let entries = try f.store.ledgerEntries(from: 0, count: 10)
        let prev = try #require(try JSONValue(parsing: entries[1].leaf)["prev"]?.stringValue)
        #expect(prev == Hex.encode(entries[0].hash))
    }

    @Test func databaseFromANewerVersionIsRefused() async throws {
        let f = try StoreFixture()
        f.store.close()
        let raw = try SQLiteConnection(path: f.path)
        try raw.execute("PRAGMA user_version = 99")
        #expect { try SQLiteStore(path: f.path, ledger: StoreFixture.ledger) } throws: {
            "\($0)".contains("newer than this urad")
        }
        try raw.execute("PRAGMA user_version = \(Migrations.all.count)")
        try f.reopen()
    }

    /// A batch that runs out of room (SQLITE_FULL, here from a `max_page_count` a few pages above
    /// the database's size, from 1 to 20). SQLite then ends the whole transaction by itself, not
    /// just the statement: the jobs after the failing one must not go on outside a transaction
    /// (that mutation fails this test with "no transaction is active"). Whatever the margin, a
    /// message is stored exactly when its caller heard it was committed, the signed ledger head
    /// covers exactly what is stored (the store reopens), and the store goes on once there is room.
    @Test func aBatchThatRunsOutOfRoomStoresExactlyWhatItReports() async throws {
        var refusedSomewhere = false, storedSomewhere = false
        for margin in 1...20 {
            let f = try StoreFixture()
            _ = try await f.store.commit(f.accepted())
            _ = try await f.store.writer.perform { tx throws(StoreError) in
                let pages = try tx.db.scalar("PRAGMA page_count")?.int ?? 0
                return try tx.db.scalar("PRAGMA max_page_count = \(pages + margin)")?.int ?? 0
            }
            f.store.writer.pause()
            let messages = (0..<40).map { n in f.accepted(caseReference: String(format: "AL-2026-%06d", n + 100)) }
            let commits = messages.map { message in Task { try await f.store.commit(message) } }
            while f.store.writer.queuedCount < messages.count { await Task.yield() }
            f.store.writer.resume()

            var stored = 0
            for (message, commit) in zip(messages, commits) {
                switch await commit.result {
                case .success(let outcome):
                    guard case .committed = outcome else { Issue.record("margin \(margin): unexpected \(outcome)"); continue }
                    #expect(try f.store.message(message.metadata.id) != nil, "margin \(margin)")
                    stored += 1
                case .failure(let error):
                    #expect("\(error)".contains("disk is full"), "margin \(margin): \(error)")
                    #expect(try f.store.message(message.metadata.id) == nil, "margin \(margin)")
                    refusedSomewhere = true
                }
            }
            storedSomewhere = storedSomewhere || stored > 0
            #expect(try f.store.ledgerSize() == 1 + stored, "margin \(margin)")
            try f.reopen()  // checks the signed head against the entries; the page limit was the old connection's
            #expect(try f.store.ledgerSize() == 1 + stored, "margin \(margin)")
            #expect(try await f.store.commit(f.accepted()) == .committed(ledgerIndex: 1 + stored), "margin \(margin)")
        }
        #expect(refusedSomewhere && storedSomewhere, "the margins should have covered both a full disk and room enough")
    }

    @Test func closedStoreRefusesWrites() async throws {
        let f = try StoreFixture()
        f.store.close()
        await #expect(throws: StoreError.unavailable("the store is shutting down")) { try await f.store.commit(f.accepted()) }
        try f.reopen()
    }
}

/// Under a steady stream of commits SQLite's log never starts over by itself (the checkpointer
/// never catches up with its end); the writer finishes a checkpoint between batches once the log
/// is long, so the log stays bounded and nothing is lost.
@Suite struct LogBoundTests {
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
        let statistics = f.store.commitStatistics
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
            #expect(entry.hash == sha256([0x00] + entry.leaf))
            #expect(try JSONValue(parsing: entry.leaf)["prev"]?.stringValue == Hex.encode(previous))
            previous = entry.hash
        }
    }
}

/// Closing a store closes every SQLite handle at once, not at some later deinit: SQLite keys its
/// locks and shared memory by inode, so a handle left open on a database whose directory is then
/// deleted can meet a new database that reuses the inode.
@Suite struct StoreCloseTests {
    /// Descriptors of this process open on files under `prefix`.
    static func openFiles(under prefix: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").compactMap { fd in
            guard let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)") else { return nil }
            return target.hasPrefix(prefix) ? target : nil
        }
    }

    @Test func closingTheStoreClosesEveryFileWhileTheObjectLives() async throws {
        let f = try StoreFixture()
        for _ in 0..<5 { _ = try await f.store.commit(f.accepted()) }
        _ = try f.store.ledgerSize()  // a reader connection, returned to the pool
        #expect(try !Self.openFiles(under: f.directory.path).isEmpty)
        f.store.close()
        #expect(try Self.openFiles(under: f.directory.path) == [])
        f.store.close()  // twice is harmless
    }
}
