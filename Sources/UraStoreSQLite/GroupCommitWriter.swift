import Foundation
import UraBasics
import UraModel
import UraProtocol
import UraStore

/// The store's single writer: a thread that drains queued write jobs into one transaction and one
/// fsync, then resumes every waiting caller. While it commits, new jobs queue up and form the next
/// batch, so the batch size grows with the load and the fsync cost is shared (group commit).
///
/// Each job runs inside its own savepoint: a job that throws is rolled back alone and its caller
/// gets the error; the others commit. Ledger appends go through `WriteTransaction`, whose chain head
/// is only kept when the job's savepoint is released and the batch commits.
package final class GroupCommitWriter: @unchecked Sendable {
    private let connection: SQLiteConnection
    private let ledger: LedgerConfiguration
    private let chain: LedgerChain
    private let tree: MerkleTree
    private let maxBatch: Int
    private let condition = MonotonicCondition()
    private var queue: [WriteJob] = []
    private var accepting = true
    private var finished = false
    private var paused = false
    private var head: LedgerTip
    private var counters = CommitStatistics()
    private let gathering: Gathering
    /// Jobs enqueued since the start, for the arrival rate the gathering rule looks at.
    private var arrivals = 0

    var statistics: CommitStatistics {
        condition.lock()
        defer { condition.unlock() }
        return counters
    }

    /// Log size (frames of one page) from which the writer finishes the checkpoint itself
    /// between two batches; see `keepLogBounded()`.
    private let restartFrames: Int

    init(connection: SQLiteConnection, ledger: LedgerConfiguration, maxBatch: Int = 512, restartFrames: Int = 4_096,
         gathering: Gathering = Gathering(delay: .zero, target: 1)) throws(StoreError) {
        self.connection = connection
        self.restartFrames = restartFrames
        self.gathering = gathering
        connection.countWALFrames()
        self.ledger = ledger
        self.chain = LedgerChain(hash: ledger.hash)
        self.tree = MerkleTree(hash: ledger.hash)
        self.maxBatch = maxBatch
        self.head = try LedgerHead.load(from: connection, tree: tree)
        // Extending a ledger whose head does not check out would sign whatever is stored now.
        self.refusal = try StoredLedgerHead.problem(in: connection, entries: head.nextIndex, tree: tree, verify: ledger.verifyHead)
            .map(StoredLedgerHead.refusal)
    }

    /// Why every write fails: the stored ledger head did not check out when the store opened.
    let refusal: StoreError?

    func start() {
        Thread.startNamed("ura-store-write") { [self] in run() }
    }

    /// Runs `body` in the next batch; returns once the batch is durably committed.
    @discardableResult
    package func perform<T: Sendable>(_ body: @escaping @Sendable (WriteTransaction) throws(StoreError) -> T) async throws(StoreError) -> T {
        let box = ResultBox<T>()
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            let job = WriteJob(
                run: { tx throws(StoreError) in box.value = try body(tx) },
                finish: { outcome in
                    switch outcome {
                    case .success: continuation.resume(returning: .success(box.value!))
                    case .failure(let error): continuation.resume(returning: .failure(error))
                    }
                })
            enqueue(job)
        }
        return try result.get()
    }

    private func enqueue(_ job: WriteJob) {
        condition.lock()
        guard accepting else {
            condition.unlock()
            job.finish(.failure(.unavailable("the store is shutting down")))
            return
        }
        queue.append(job)
        arrivals += 1
        // Wake the writer only when this job is what it waits for: the first of an empty queue, or
        // the one that completes a gathering batch. While it commits it finds the queue without
        // help, and waking it for every arrival of a gathering batch cost a futex wake and two
        // context switches a message.
        if queue.count == 1 || (gatheringNow && queue.count >= gathering.target) { condition.signal() }
        condition.unlock()
    }

    /// Holds the writer before its next batch (tests use it to make a batch deterministic).
    package func pause() {
        condition.lock()
        paused = true
        condition.unlock()
    }

    package func resume() {
        condition.lock()
        paused = false
        condition.broadcast()
        condition.unlock()
    }

    /// Whether the writer is letting a batch gather (for tests).
    var isGathering: Bool {
        condition.lock()
        defer { condition.unlock() }
        return gatheringNow
    }
    private var gatheringNow = false

    /// How many jobs are queued and not yet in a batch.
    package var queuedCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// Stops accepting, commits what is queued, and waits for the writer thread to finish.
    func stop() {
        condition.lock()
        accepting = false
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
        connection.close()
    }

    private func run() {
        var cycleStart = ContinuousClock.now
        var arrivalsAtCycleStart = 0
        while true {
            condition.lock()
            while (queue.isEmpty || paused) && accepting { condition.wait() }
            if queue.isEmpty && !accepting {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            if gathering.waits(arrivals: arrivals - arrivalsAtCycleStart, over: ContinuousClock.now - cycleStart, queued: queue.count) {
                let deadline = MonotonicCondition.now + UInt64(gathering.delay / .nanoseconds(1))
                gatheringNow = true
                while queue.count < gathering.target && accepting && !paused && condition.wait(untilNanoseconds: deadline) {}
                gatheringNow = false
                counters.gatheredBatches += 1
            }
            // The next cycle's rate counts from here, when this batch is taken.
            cycleStart = ContinuousClock.now
            arrivalsAtCycleStart = arrivals
            let batch = Array(queue.prefix(maxBatch))
            queue.removeFirst(batch.count)
            condition.unlock()
            commit(batch)
        }
    }

    /// Commits a batch. Jobs run without savepoints first (a job that throws is rare: a conflict
    /// a caller must hear about); if one throws, the batch is rolled back and run again with a
    /// savepoint per job, so the failing job is undone alone and the others still commit.
    private func commit(_ batch: [WriteJob]) {
        if let refusal {
            for job in batch { job.finish(.failure(refusal)) }
            return
        }
        var result = attempt(batch, isolated: false)
        if case .jobFailed = result { result = attempt(batch, isolated: true) }
        if case .committed(let outcomes) = result {
            for (job, outcome) in zip(batch, outcomes) { job.finish(outcome) }
            keepLogBounded()
        }
    }

    /// Under a steady stream of commits the checkpointer's passive checkpoints never catch up with
    /// the end of the log, so SQLite never starts it again from the beginning: it grows without
    /// bound, and every fsync also writes the file's new size. Once the log is `restartFrames`
    /// long, the writer copies the few frames the checkpointer has not yet copied itself, between
    /// two batches (a pause of a few milliseconds), and the next transaction starts the log over.
    private func keepLogBounded() {
        guard let frames = connection.walFrames?.frames, frames >= restartFrames else { return }
        let began = ContinuousClock.now
        let restarts = connection.checkpointPassively()
        let seconds = Self.seconds(ContinuousClock.now - began)
        condition.lock()
        counters.logCheckpoints += 1
        if restarts { counters.logRestarts += 1 }
        counters.logCheckpointSeconds += seconds
        counters.longestLogCheckpointSeconds = max(counters.longestLogCheckpointSeconds, seconds)
        condition.unlock()
    }

    func resetPeaks() {
        condition.lock()
        counters.longestTransactionSeconds = 0
        counters.longestCommitSeconds = 0
        counters.longestLogCheckpointSeconds = 0
        counters.slowCommits = 0
        condition.unlock()
    }

    private enum Attempt {
        /// Committed; each job's outcome (failures only when isolated).
        case committed([Result<Void, StoreError>])
        /// A job threw while not isolated; nothing was committed or finished.
        case jobFailed
        /// The transaction itself failed; every job has been finished with the error.
        case finished
    }

    /// Runs `batch` in one transaction.
    private func attempt(_ batch: [WriteJob], isolated: Bool) -> Attempt {
        var outcomes = [Result<Void, StoreError>](repeating: .success(()), count: batch.count)
        let began = ContinuousClock.now
        let tx = WriteTransaction(connection: connection, chain: chain, tree: tree, head: head)
        do {
            try connection.run("BEGIN IMMEDIATE")
        } catch {
            for job in batch { job.finish(.failure(error)) }
            return .finished
        }
        for (i, job) in batch.enumerated() {
            let saved = tx.head
            do {
                if isolated { try connection.run("SAVEPOINT job") }
                try job.run(tx)
                if isolated { try connection.run("RELEASE job") }
            } catch {
                guard isolated else {
                    _ = try? connection.run("ROLLBACK")
                    return .jobFailed
                }
                // Undo this job alone. If that fails, or SQLite already ended the whole
                // transaction, the batch cannot go on: the jobs after it would commit one by one.
                guard connection.isInTransaction, (try? connection.run("ROLLBACK TO job")) != nil,
                      (try? connection.run("RELEASE job")) != nil else {
                    if connection.isInTransaction { _ = try? connection.run("ROLLBACK") }
                    head = (try? LedgerHead.load(from: connection, tree: tree)) ?? head
                    for job in batch { job.finish(.failure(error)) }
                    return .finished
                }
                tx.rollBack(to: saved)
                outcomes[i] = .failure(error)
            }
        }
        do {
            if tx.head.nextIndex != head.nextIndex { try signHead(tx.head, batch: tx.batch) }
            let committing = ContinuousClock.now
            try connection.run("COMMIT")
            let transactionSeconds = Self.seconds(committing - began), commitSeconds = Self.seconds(ContinuousClock.now - committing)
            head = tx.head
            condition.lock()
            counters.record(batchOf: batch.count, transactionSeconds: transactionSeconds, commitSeconds: commitSeconds)
            condition.unlock()
            return .committed(outcomes)
        } catch {
            _ = try? connection.run("ROLLBACK")
            head = (try? LedgerHead.load(from: connection, tree: tree)) ?? head
            for job in batch { job.finish(.failure(error)) }
            return .finished
        }
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// Signs the tree head over everything this batch appended, in the batch's transaction: an
    /// entry added to the database behind the gateway's back is never covered by a signed head.
    private func signHead(_ head: LedgerTip, batch: LedgerBatch) throws(StoreError) {
        let root = head.frontier.root(tree: tree)
        let signed = ledger.signHead(head.frontier.size, root)
        try connection.run(
            "INSERT OR REPLACE INTO ledger_head (id, tree_size, root, frontier, signed) VALUES (1, ?, ?, ?, ?)",
            [.integer(Int64(head.frontier.size)), .blob(root), .blob(head.frontier.serialized), .blob(signed)])
        batch.seal(treeSize: head.frontier.size, root: root, signedHead: signed)
    }
}

/// When the writer lets a batch gather before committing it (see `SQLiteStore.Options.commitDelay`).
package struct Gathering: Sendable {
    let delay: Duration
    let target: Int

    /// Whether to wait for more jobs, given how many arrived during the previous cycle and how
    /// long it lasted: only when that rate brings at least two more within `delay`, and fewer
    /// than `target` are queued.
    package func waits(arrivals: Int, over elapsed: Duration, queued: Int) -> Bool {
        guard delay > .zero, (queued < target), elapsed > .zero else { return false }
        return Double(arrivals) * (delay / elapsed) >= 2
    }
}

private final class ResultBox<T>: @unchecked Sendable {
    var value: T?
}

private struct WriteJob {
    let run: (WriteTransaction) throws(StoreError) -> Void
    let finish: (Result<Void, StoreError>) -> Void
}

/// The next ledger index, the hash of the last entry, and the Merkle frontier of the tree so far.
/// The ledger's tip as the SQLite store keeps it (read back from the rows).
enum LedgerHead {
    /// Reads the head back: the next index and last hash from the ledger, the frontier from the
    /// stored signed head, which every batch that appends rewrites in its own transaction.
    static func load(from connection: SQLiteConnection, tree: MerkleTree) throws(StoreError) -> LedgerTip {
        var head = LedgerTip(nextIndex: 0, lastHash: LedgerChain.genesis, frontier: MerkleFrontier())
        try connection.query("SELECT idx, hash FROM ledger ORDER BY idx DESC LIMIT 1") { (row) throws(StoreError) in
            head.nextIndex = (row[0].int ?? -1) + 1
            head.lastHash = row[1].bytes ?? []
        }
        try connection.query("SELECT tree_size, frontier FROM ledger_head WHERE id = 1") { (row) throws(StoreError) in
            if let stored = MerkleFrontier(size: row[0].int ?? -1, serialized: row[1].bytes ?? []), stored.size == head.nextIndex {
                head.frontier = stored
            }
        }
        return head
    }
}

/// What a write job sees: the writer's connection and a ledger to append to.
package final class WriteTransaction: @unchecked Sendable {
    package let db: SQLiteConnection
    let ledger: LedgerAppender
    /// Where the ledger stands after the batch's appends so far.
    var head: LedgerTip { ledger.tip }
    /// The entries this batch appends, sealed with its signed head (for receipts signed per batch).
    package var batch: LedgerBatch { ledger.batch }
    var chain: LedgerChain { ledger.chain }

    init(connection: SQLiteConnection, chain: LedgerChain, tree: MerkleTree, head: LedgerTip) {
        self.db = connection
        ledger = LedgerAppender(chain: chain, tree: tree, tip: head)
    }

    /// Undoes a job's appends: the head as it was before the job.
    func rollBack(to saved: LedgerTip) {
        ledger.rollBack(to: saved)
    }

    /// Appends `event` to the ledger, linked to the previous entry; returns its index. `messageSeq`
    /// is the row of the message the event is about (for finding a message's entries).
    @discardableResult
    func appendLedger(_ event: LedgerEvent, messageSeq: Int64? = nil) throws(StoreError) -> Int {
        try ledger.append(PreparedLedgerEvent(event), messageSeq: messageSeq, in: db)
    }

    /// Appends an event serialized before the batch (see `PreparedLedgerEvent`).
    func appendLedger(_ event: PreparedLedgerEvent, messageSeq: Int64? = nil) throws(StoreError) -> Int {
        try ledger.append(event, messageSeq: messageSeq, in: db)
    }

    /// The row of message `id`, or nil.
    func seq(of id: MessageID) throws(StoreError) -> Int64? {
        try db.scalar("SELECT seq FROM messages WHERE id = ?", [.text(id.rawValue)])?.int64
    }
}
