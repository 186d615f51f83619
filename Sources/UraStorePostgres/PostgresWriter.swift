import Foundation
import UraBasics
import UraModel
import UraProtocol
import UraStore

/// The node's single writer: a thread that drains queued write jobs into one transaction and one
/// COMMIT, then resumes every waiting caller (group commit, as `GroupCommitWriter` does for SQLite).
/// libpq blocks, so it runs here and never on Swift's cooperative pool: callers await a continuation.
///
/// Every batch locks the one `ledger_head` row (`FOR UPDATE`) and reads the ledger's head from it
/// before it appends to the ledger, and holds it to its COMMIT: the ledger entries of all nodes on
/// the database follow one total order, the order in which their batches commit, and each batch
/// signs the head it leaves. The batch's plain commits (new messages that meet no deadline: the bulk
/// of the traffic) queued before its first commit with deadline effects insert their message and
/// delivery rows *before* the lock, so another node's batch can insert its rows while this one
/// holds the head; everything else runs after it, in the order it was queued. Deadlines are looked
/// for again once the head is granted (another node may have armed one meanwhile). The rows'
/// `seq` (identity) values are therefore given in insert order, not commit order, across nodes;
/// nothing reads messages by a `seq` cursor (the receipts feed's `receipts.seq` is inserted under
/// the lock, so it still follows commit order). A job that throws is undone alone (the batch runs
/// again with a savepoint per job). When the connection is lost, the batch's callers get
/// `unavailable` (never a success that did not commit) and the next batch reconnects.
final class PostgresWriter: @unchecked Sendable {
    private let connection: PostgresConnection
    private let ledger: LedgerConfiguration
    private let chain: LedgerChain
    private let tree: MerkleTree
    private let maxBatch: Int
    let node: String
    private let condition = NSCondition()
    private var queue: [PostgresJob] = []
    private var accepting = true
    private var finished = false
    private var counters = CommitStatistics()

    /// Why every write fails: the stored ledger head did not check out when the store opened.
    let refusal: StoreError?

    /// The channel pull deliveries are notified on (`PostgresStore.inboxChannel`).
    let inboxChannel: String

    init(connection: PostgresConnection, ledger: LedgerConfiguration, node: String, maxBatch: Int, inboxChannel: String) throws(StoreError) {
        self.connection = connection
        self.inboxChannel = inboxChannel
        self.ledger = ledger
        self.chain = LedgerChain(hash: ledger.hash)
        self.tree = MerkleTree(hash: ledger.hash)
        self.node = node
        self.maxBatch = maxBatch
        refusal = try PostgresLedgerHead.problem(in: connection, tree: tree, verify: ledger.verifyHead).map(StoredLedgerHead.refusal)
    }

    /// Pipelined runs sent so far (for tests: the fast path is taken).
    private var runsSent = 0
    var pipelinedRuns: Int {
        condition.lock()
        defer { condition.unlock() }
        return runsSent
    }

    /// Jobs queued for the next batch (for tests that build a batch).
    var queuedJobs: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    var statistics: CommitStatistics {
        condition.lock()
        defer { condition.unlock() }
        return counters
    }

    func start() {
        Thread.startNamed("ura-pg-writer") { [self] in run() }
    }

    /// Runs `body` in the next batch; returns once the batch is committed.
    @discardableResult
    func perform<T: Sendable>(_ body: @escaping @Sendable (PostgresTransaction) throws(StoreError) -> T) async throws(StoreError) -> T {
        let box = PostgresResultBox<T>()
        let result: Result<T, StoreError> = await withCheckedContinuation { continuation in
            let job = PostgresJob(
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

    /// `perform` for a commit, which the writer may instead run in a pipelined run (`pipelined`).
    func performCommit(pipelined: PipelinedCommit?,
                       _ body: @escaping @Sendable (PostgresTransaction) throws(StoreError) -> CommitOutcome) async throws(StoreError) -> CommitOutcome {
        let box = PostgresResultBox<CommitOutcome>()
        let result: Result<CommitOutcome, StoreError> = await withCheckedContinuation { continuation in
            var job = PostgresJob(
                run: { tx throws(StoreError) in box.value = try body(tx) },
                finish: { outcome in
                    switch outcome {
                    case .success: continuation.resume(returning: .success(box.value!))
                    case .failure(let error): continuation.resume(returning: .failure(error))
                    }
                })
            job.isCommit = true
            if let pipelined { job.pipelined = (pipelined, { box.value = .committed(ledgerIndex: $0, batch: $1) }) }
            enqueue(job)
        }
        return try result.get()
    }

    private func enqueue(_ job: PostgresJob) {
        condition.lock()
        guard accepting else {
            condition.unlock()
            job.finish(.failure(.unavailable("the store is shutting down")))
            return
        }
        queue.append(job)
        if queue.count == 1 { condition.signal() }
        condition.unlock()
    }

    /// Stops accepting, commits what is queued, and waits for the writer thread to finish.
    func stop() {
        condition.lock()
        guard accepting else {
            while !finished { condition.wait() }
            condition.unlock()
            return
        }
        accepting = false
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
        connection.close()
    }

    private func run() {
        while true {
            condition.lock()
            while queue.isEmpty && accepting { condition.wait() }
            if queue.isEmpty && !accepting {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let batch = Array(queue.prefix(maxBatch))
            queue.removeFirst(batch.count)
            condition.unlock()
            commit(batch)
        }
    }

    private func commit(_ batch: [PostgresJob]) {
        if let refusal {
            for job in batch { job.finish(.failure(refusal)) }
            return
        }
        var result = attempt(batch, isolated: false, pipelining: true)
        if case .pipelineDeclined = result { result = attempt(batch, isolated: false, pipelining: false) }
        if case .jobFailed = result { result = attempt(batch, isolated: true, pipelining: false) }
        if case .committed(let outcomes) = result {
            for (job, outcome) in zip(batch, outcomes) { job.finish(outcome) }
        }
    }

    private enum Attempt {
        case committed([Result<Void, StoreError>])
        case jobFailed
        case finished
        /// A pipelined run met a duplicate or a deadline; rolled back, to be run one job at a time.
        case pipelineDeclined
    }

    private func attempt(_ batch: [PostgresJob], isolated: Bool, pipelining: Bool) -> Attempt {
        var outcomes = [Result<Void, StoreError>](repeating: .success(()), count: batch.count)
        let began = ContinuousClock.now
        // With pipelining, the batch's plain commits insert their rows before the head is locked,
        // and the head is locked at the end of the same round trip — those that come before the
        // batch's first other commit: one that arms, meets or cancels deadlines must see the
        // commits queued before it, and the commits queued after it must see it (they run after
        // it, head locked, in their order).
        let ordered = batch.firstIndex { $0.isCommit && $0.pipelined == nil } ?? batch.count
        let earlyIndexes = pipelining ? batch.indices.filter { $0 < ordered && batch[$0].pipelined != nil } : []
        let early = earlyIndexes.map { batch[$0] }
        let tx: PostgresTransaction
        var seqs: [Int64] = []
        if !early.isEmpty {
            do {
                guard let (rows, head) = try insertBeforeLocking(early) else {
                    _ = try? connection.execute("ROLLBACK")
                    return .pipelineDeclined
                }
                seqs = rows
                tx = PostgresTransaction(connection: connection, chain: chain, tree: tree, head: head, node: node)
            } catch {
                if connection.isInTransaction { _ = try? connection.execute("ROLLBACK") }
                return .pipelineDeclined
            }
        } else {
            do {
                let head: LedgerTip
                do {
                    head = try PostgresLedgerHead.begin(connection)
                } catch .unavailable where !connection.isConnected {
                    // The server went away since the last batch (restarted, failed over): nothing of
                    // this batch has run yet, so connect again (every host of the URL) and begin there.
                    head = try PostgresLedgerHead.begin(connection)
                }
                tx = PostgresTransaction(connection: connection, chain: chain, tree: tree, head: head, node: node)
            } catch {
                if connection.isInTransaction { _ = try? connection.execute("ROLLBACK") }
                for job in batch { job.finish(.failure(error)) }
                return .finished
            }
        }
        let startSize = tx.head.nextIndex
        // The early commits' ledger entries: sent with the COMMIT when nothing else runs in the
        // batch, else stored now (the other jobs append after them).
        var entries: (sql: String, values: [PostgresValue])?
        if !early.isEmpty {
            do {
                entries = try appendEntries(for: early, seqs: seqs, tx)
                if early.count < batch.count, let statement = entries {
                    try connection.run(statement.sql, statement.values)
                    entries = nil
                }
            } catch {
                if connection.isInTransaction { _ = try? connection.execute("ROLLBACK") }
                return .pipelineDeclined
            }
        }
        let inserted = Set(earlyIndexes)
        for i in batch.indices where !inserted.contains(i) {
            let job = batch[i]
            let saved = tx.head
            do {
                if isolated { try connection.execute("SAVEPOINT job") }
                try job.run(tx)
                if isolated { try connection.execute("RELEASE SAVEPOINT job") }
            } catch {
                guard isolated else {
                    _ = try? connection.execute("ROLLBACK")
                    return .jobFailed
                }
                guard (try? connection.execute("ROLLBACK TO SAVEPOINT job")) != nil,
                      (try? connection.execute("RELEASE SAVEPOINT job")) != nil else {
                    if connection.isInTransaction { _ = try? connection.execute("ROLLBACK") }
                    for job in batch { job.finish(.failure(error)) }
                    return .finished
                }
                tx.rollBack(to: saved)
                outcomes[i] = .failure(error)
            }
        }
        do throws(StoreError) {
            // The early entries (if not stored yet), the signed head, the inbox notifications and
            // the COMMIT in one round trip.
            var closing: [(sql: String, values: [PostgresValue])] = entries.map { [$0] } ?? []
            if tx.head.nextIndex != startSize { closing.append(signHead(tx.head, batch: tx.batch)) }
            if !tx.inboxNotifications.isEmpty {
                closing.append(("SELECT pg_notify(?, r) FROM unnest(?::text[]) AS r",
                                [.text(inboxChannel), PostgresValue.textArray(tx.inboxNotifications.sorted())]))
            }
            closing.append(("COMMIT", []))
            let committing = ContinuousClock.now
            _ = try connection.pipeline(closing)
            if connection.isInTransaction { throw StoreError.unavailable("PostgreSQL did not commit the batch") }
            let transactionSeconds = Self.seconds(committing - began), commitSeconds = Self.seconds(ContinuousClock.now - committing)
            condition.lock()
            counters.record(batchOf: batch.count, transactionSeconds: transactionSeconds, commitSeconds: commitSeconds)
            condition.unlock()
            return .committed(outcomes)
        } catch {
            // A COMMIT whose answer was lost may or may not have committed: the callers hear
            // `unavailable` and submit again; the same id then finds the stored message.
            if connection.isInTransaction { _ = try? connection.execute("ROLLBACK") }
            for job in batch { job.finish(.failure(error)) }
            return .finished
        }
    }

    /// Begins the batch's transaction, inserts its plain commits (message and delivery rows) in the
    /// order of their ids, and then locks the ledger head, all in one round trip: the inserts are
    /// the part of a batch that another node's batches can overlap. Returns the messages' `seq` in
    /// the order of `jobs` and the head, or nil when one turned out not new or meets a deadline —
    /// also one armed by a batch that committed while this one waited for the head (looked for
    /// again once it is granted) — and the caller rolls back and runs the batch one job at a time.
    /// In the order of ids, two nodes that insert the same ids at once wait for each other in one
    /// direction only.
    private func insertBeforeLocking(_ jobs: [PostgresJob]) throws(StoreError) -> ([Int64], LedgerTip)? {
        let order = jobs.indices.sorted { jobs[$0].pipelined!.commit.id < jobs[$1].pipelined!.commit.id }
        var statements: [(sql: String, values: [PostgresValue])] = [("BEGIN", [])]
        for i in order { statements.append((PostgresStore.insertBeforeLockingStatement, jobs[i].pipelined!.commit.parameters(-1, [], []))) }
        statements.append((PostgresLedgerHead.lockStatement, []))
        let meetable = jobs.map(\.pipelined!.commit.meetable)
        statements.append((PostgresStore.meetableAfterLocking, [
            .textArray(meetable.map(\.caseRef)), .textArray(meetable.map(\.type)),
            .nullableTextArray(meetable.map(\.inReplyTo)), .textArray(meetable.map(\.senderKind)),
        ]))
        let results = try connection.pipeline(statements)
        condition.lock()
        runsSent += 1
        condition.unlock()
        var seqs = [Int64](repeating: 0, count: jobs.count)
        for (i, rows) in zip(order, results.dropFirst()) {
            guard rows.count == 1, let seq = rows[0][0].int64, rows[0][1] == .null else { return nil }
            seqs[i] = seq
        }
        guard results.count == statements.count, results[results.count - 1].first?.first?.int64 == 0 else { return nil }
        return (seqs, try PostgresLedgerHead.tip(locked: results[results.count - 2]))
    }

    /// With the head locked: appends the ledger entries of the messages inserted before it to the
    /// head, chained in the batch's order, and returns the one statement that stores them, each
    /// referring to its message.
    private func appendEntries(for jobs: [PostgresJob], seqs: [Int64], _ tx: PostgresTransaction) throws(StoreError) -> (sql: String, values: [PostgresValue]) {
        var entries: [(index: Int, leaf: [UInt8], hash: [UInt8])] = []
        for job in jobs {
            let entry = tx.nextEntry(job.pipelined!.commit.event)
            entries.append(entry)
            try tx.advance(entry.hash, leaf: entry.leaf)
        }
        for (job, entry) in zip(jobs, entries) {
            for recipient in job.pipelined!.commit.pull { tx.notifyInbox(recipient) }
            job.pipelined!.complete(entry.index, tx.batch)
        }
        // Four arrays of one element per job, in the same order.
        return ("INSERT INTO ledger (idx, leaf, hash, message_seq) SELECT * FROM unnest(?::bigint[], ?::bytea[], ?::bytea[], ?::bigint[])",
                [.bigintArray(entries.map { Int64($0.index) }), .byteaArray(entries.map(\.leaf)), .byteaArray(entries.map(\.hash)), .bigintArray(seqs)])
    }

    private static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// The statement that stores the tree head signed over everything this batch appended.
    private func signHead(_ head: LedgerTip, batch: LedgerBatch) -> (sql: String, values: [PostgresValue]) {
        let root = head.frontier.root(tree: tree)
        let signed = ledger.signHead(head.frontier.size, root)
        batch.seal(treeSize: head.frontier.size, root: root, signedHead: signed)
        return ("UPDATE ledger_head SET tree_size = ?, root = ?, frontier = ?, last_hash = ?, signed = ? WHERE id = 1",
                [.integer(Int64(head.frontier.size)), .blob(root), .blob(head.frontier.serialized), .blob(head.lastHash), .blob(signed)])
    }
}

private final class PostgresResultBox<T>: @unchecked Sendable {
    var value: T?
}

private struct PostgresJob {
    let run: (PostgresTransaction) throws(StoreError) -> Void
    let finish: (Result<Void, StoreError>) -> Void
    /// A message's commit (`performCommit`).
    var isCommit = false
    /// For a commit that may be inserted before the head is locked: its statement, and what to
    /// record once its ledger entry is appended.
    var pipelined: (commit: PipelinedCommit, complete: (Int, LedgerBatch) -> Void)? = nil
}

/// A plain message commit (new, no deadline to arm, meet or cancel) that the writer may insert
/// before it locks the head, with the batch's other plain commits in one go: its id (they go in the
/// order of ids), what a deadline it could meet is found by, its ledger event, the parameters of its statement (`PostgresStore.commitStatement`
/// with the entry's index, leaf and hash) and its pull recipients. If one turns out not new, or
/// meets a deadline, the batch starts again one job at a time.
struct PipelinedCommit: Sendable {
    let id: String
    /// What `PostgresStore.meetableAfterLocking` looks for deadlines with.
    let meetable: (caseRef: String, type: String, inReplyTo: String?, senderKind: String)
    let event: PreparedLedgerEvent
    let parameters: @Sendable (_ index: Int, _ leaf: [UInt8], _ hash: [UInt8]) -> [PostgresValue]
    let pull: [String]
}

/// The ledger's tip as the PostgreSQL store keeps it (the one `ledger_head` row every batch locks),
/// and what is wrong with its stored signed head.
enum PostgresLedgerHead {
    /// Locks the head row (other nodes' batches wait here until this one commits) and reads it with
    /// the last entry's hash. Only columns of the locked row: READ COMMITTED reads the row again once
    /// the lock is granted, but a subquery here would still see the snapshot from before the wait.
    static let lockStatement = "SELECT tree_size, frontier, last_hash FROM ledger_head WHERE id = 1 FOR UPDATE"

    /// Begins the batch's transaction and, in the same round trip, locks the head (`lockStatement`).
    static func begin(_ db: PostgresConnection) throws(StoreError) -> LedgerTip {
        var rows: [[PostgresValue]] = []
        try db.simpleQuery("BEGIN; " + lockStatement) { (row) throws(StoreError) in rows.append((0..<3).map { row[$0] }) }
        return try tip(locked: rows)
    }

    /// The tip from the rows of `lockStatement`.
    static func tip(locked rows: [[PostgresValue]]) throws(StoreError) -> LedgerTip {
        guard let row = rows.first, row.count == 3 else { throw StoreError.corrupt("the ledger_head row is missing") }
        let size = row[0].int ?? -1
        guard let frontier = MerkleFrontier(size: size, serialized: row[1].bytes ?? []) else {
            throw StoreError.corrupt("the ledger head's frontier is unreadable")
        }
        return LedgerTip(nextIndex: size, lastHash: row[2].bytes ?? [], frontier: frontier)
    }

    /// What is wrong with the stored head (`StoredLedgerHead.problem`, as for SQLite), or nil; and
    /// the head row's last hash, which PostgreSQL keeps beside the frontier, must be the last entry's.
    static func problem(in db: PostgresConnection, tree: MerkleTree,
                        verify: (_ signed: [UInt8], _ size: Int, _ root: [UInt8]) -> Bool) throws(StoreError) -> String? {
        let entries = try (db.scalar("SELECT max(idx) FROM ledger")?.int).map { $0 + 1 } ?? 0
        if let problem = try StoredLedgerHead.problem(in: db, entries: entries, tree: tree, verify: verify) { return problem }
        guard entries > 0 else { return nil }
        let lastHash = try db.scalar("SELECT last_hash FROM ledger_head WHERE id = 1")?.bytes
        let lastEntry = try db.scalar("SELECT hash FROM ledger WHERE idx = ?", [.integer(Int64(entries - 1))])?.bytes
        guard lastHash == lastEntry else { return "the ledger head's last hash is not the hash of the last entry" }
        return nil
    }
}

/// What a write job sees: the writer's connection (inside the batch's transaction) and the ledger.
final class PostgresTransaction: @unchecked Sendable {
    let db: PostgresConnection
    let ledger: LedgerAppender
    /// Where the ledger stands after the batch's appends so far.
    var head: LedgerTip { ledger.tip }
    /// The entries this batch appends, sealed with its signed head (for receipts signed per batch).
    var batch: LedgerBatch { ledger.batch }
    var chain: LedgerChain { ledger.chain }
    /// The node that leases deliveries in this transaction (`leased_by`).
    let node: String

    init(connection: PostgresConnection, chain: LedgerChain, tree: MerkleTree, head: LedgerTip, node: String) {
        self.db = connection
        ledger = LedgerAppender(chain: chain, tree: tree, tip: head)
        self.node = node
    }

    /// Undoes a job's appends: the head as it was before the job.
    func rollBack(to saved: LedgerTip) {
        ledger.rollBack(to: saved)
    }

    @discardableResult
    func appendLedger(_ event: LedgerEvent, messageSeq: Int64? = nil) throws(StoreError) -> Int {
        try ledger.append(PreparedLedgerEvent(event), messageSeq: messageSeq, in: db)
    }

    /// The next entry for `event` (its index, leaf and hash), not yet stored: for a statement that
    /// inserts it with other rows; `advance` then moves the head past it.
    func nextEntry(_ event: PreparedLedgerEvent) -> (index: Int, leaf: [UInt8], hash: [UInt8]) {
        ledger.nextEntry(event)
    }

    /// Moves the head past the entry of `hash` just stored, keeping the subtrees it completes.
    func advance(_ hash: [UInt8], leaf: [UInt8]) throws(StoreError) {
        try ledger.store(ledger.advance(hash, leaf: leaf), in: db)
    }

    /// Recipients of pull deliveries committed in this batch: one `NOTIFY ura_inbox` each, sent
    /// just before COMMIT (PostgreSQL delivers them when it commits).
    var inboxNotifications: Set<String> = []

    /// Wakes the nodes waiting on `recipient`'s inbox once this transaction commits.
    func notifyInbox(_ recipient: String) {
        inboxNotifications.insert(recipient)
    }
}
