import Foundation
import Testing
import UraModel
import UraStore
@testable import UraStoreSQLite
import UraStoreConformance
import UraTestTraits

/// SQLite's group commit: one writer thread commits concurrent submissions in one transaction,
/// lets a batch gather under a stream, and keeps a failing job from taking its batch down.
@Suite(.offThePool) struct GroupCommitTests {
    @Test func concurrentCommitsShareOneTransaction() async throws {
        let f = try StoreFixture()
        f.sqlite.writer.pause()
        let messages = (0..<50).map { _ in f.accepted() }
        try await withThrowingTaskGroup(of: CommitOutcome.self) { group in
            for message in messages { group.addTask { try await f.store.commit(message) } }
            while f.sqlite.writer.queuedCount < messages.count { await Task.yield() }
            f.sqlite.writer.resume()
            var indexes = Set<Int>()
            for try await outcome in group {
                guard case .committed(let index, _) = outcome else { Issue.record("unexpected \(outcome)"); continue }
                indexes.insert(index)
            }
            #expect(indexes == Set(0..<50))
        }
        let stats = f.sqlite.commitStatistics
        #expect(stats.batches == 1 && stats.jobs == 50 && stats.largestBatch == 50)
    }

    /// Under a stream of submissions the writer waits for more jobs before committing, and commits
    /// as soon as `commitGather` are queued (here long before its generous delay runs out).
    @Test func aBatchGathersUnderLoad() async throws {
        var options = SQLiteStore.Options()
        options.commitDelay = .seconds(60)
        options.commitGather = 12
        let f = try StoreFixture(options: options)
        f.sqlite.writer.pause()
        let messages = (0..<12).map { _ in f.accepted() }
        try await withThrowingTaskGroup(of: CommitOutcome.self) { group in
            for message in messages.prefix(10) { group.addTask { try await f.store.commit(message) } }
            while f.sqlite.writer.queuedCount < 10 { await Task.yield() }
            f.sqlite.writer.resume()
            let giveUp = ContinuousClock.now + .seconds(30)
            while !f.sqlite.writer.isGathering && ContinuousClock.now < giveUp { await Task.yield() }
            #expect(f.sqlite.writer.isGathering)
            for message in messages.suffix(2) { group.addTask { try await f.store.commit(message) } }
            for try await outcome in group {
                guard case .committed = outcome else { Issue.record("unexpected \(outcome)"); continue }
            }
        }
        let stats = f.sqlite.commitStatistics
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
        f.sqlite.writer.pause()
        let message = f.accepted()
        let duplicate = Task { try await f.store.recordDeclaration(declaration) }
        let commit = Task { try await f.store.commit(message) }
        while f.sqlite.writer.queuedCount < 2 { await Task.yield() }
        f.sqlite.writer.resume()
        await #expect(throws: StoreError.self) { try await duplicate.value }
        #expect(try await commit.value == .committed(ledgerIndex: 1))
        #expect(try f.store.ledgerSize() == 2)
        #expect(try f.store.declarations(forCase: CaseReference(validated: "AL-2026-000042")).count == 1)
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
            _ = try await f.sqlite.writer.perform { tx throws(StoreError) in
                let pages = try tx.db.scalar("PRAGMA page_count")?.int ?? 0
                return try tx.db.scalar("PRAGMA max_page_count = \(pages + margin)")?.int ?? 0
            }
            f.sqlite.writer.pause()
            let messages = (0..<40).map { n in f.accepted(caseReference: String(format: "AL-2026-%06d", n + 100)) }
            let commits = messages.map { message in Task { try await f.store.commit(message) } }
            while f.sqlite.writer.queuedCount < messages.count { await Task.yield() }
            f.sqlite.writer.resume()

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
}
