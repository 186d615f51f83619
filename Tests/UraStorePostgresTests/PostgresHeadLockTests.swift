import Foundation
import Testing
import UraModel
import UraPostgresTestSupport
import UraStore
import UraStoreConformance
@testable import UraStorePostgres
import UraTestTraits

/// A batch's plain commits insert their rows before the batch locks the ledger head, so that two
/// nodes overlap (issue 21): what that order must keep — the rows are in before the wait, a deadline
/// armed meanwhile or earlier in the batch is still met, a deadlock over one id ends in one commit,
/// and deadlines are met in ledger order across nodes. "Another node's batch" is a connection of the
/// test's own that holds the head.
@Suite(.offThePool, .enabled(if: PostgresServer.available)) struct PostgresHeadLockTests {
    /// One node on a fresh schema with one message committed, a connection that holds the ledger
    /// head in an open transaction (another node's batch), and one to look with.
    final class HeldHead: @unchecked Sendable {
        let storage: PostgresStorage
        let store: PostgresStore
        let fixture: StoreFixture
        let holder: PostgresConnection
        let observer: PostgresConnection

        /// `writerSettings`: `-c` settings of the node's connections; `holderSettings`: statements the
        /// holder runs in its transaction before it locks the head.
        init(storage: PostgresStorage, writerSettings: String = "", holderSettings: String = "") async throws {
            self.storage = storage
            store = try PostgresStore(url: storage.server.url(parameters: ["options": "-csearch_path=\(storage.schema) \(writerSettings)"]),
                                      ledger: StoreFixture.ledger, options: PostgresStore.Options())
            fixture = try StoreFixture(storage: FixedStorage(store: store))
            _ = try await store.commit(fixture.accepted())
            holder = try storage.connection()
            observer = try storage.connection()
            try holder.execute("BEGIN; \(holderSettings) SELECT 1 FROM ledger_head WHERE id = 1 FOR UPDATE")
        }

        static func make(writerSettings: String = "", holderSettings: String = "") async throws -> HeldHead {
            try await HeldHead(storage: try await PostgresStorage.make(), writerSettings: writerSettings, holderSettings: holderSettings)
        }

        /// Commits `message` on the node in a task of its own, and returns once the node's writer
        /// waits for the head with its rows inserted.
        func commitUntilItWaits(_ message: AcceptedMessage) async throws -> Task<CommitOutcome, any Error> {
            let store = self.store
            let commit = Task { try await store.commit(message) }
            #expect(try await PostgresHeadLockTests.writerWaitsForTheHeadWithItsRowsInserted(observer),
                    "the writer did not wait for the head with its message rows inserted")
            return commit
        }

        func close() {
            holder.close()
            observer.close()
            store.close()
            storage.remove()
        }
    }

    /// A trigger that arms a deadline of `caseReference` for a report from the child-protection
    /// unit, and that report (a plain commit: it arms nothing).
    static func triggerAndReply(_ fixture: StoreFixture, caseReference: CaseReference) -> (trigger: AcceptedMessage, reply: AcceptedMessage) {
        let request = MessageType(validated: "return.assessment-request"), report = MessageType(validated: "return.assessment-report")
        var trigger = fixture.accepted(caseReference: caseReference.rawValue)
        trigger.metadata.type = request
        trigger.deadlines = DeadlineEffects(arm: [
            Deadline(id: "\(trigger.metadata.id)/0", caseReference: caseReference, trigger: trigger.metadata.id, triggerType: request,
                     expected: [report], responsible: [StoreFixture.child], responsibleKinds: [.child], optional: false, rule: .days(15),
                     armedAt: fixture.start, due: fixture.start.addingTimeInterval(1000), occurrence: nil, obligation: nil),
        ])
        var reply = fixture.accepted(caseReference: caseReference.rawValue)
        reply.metadata.type = report
        reply.senderKind = .child
        return (trigger, reply)
    }

    /// A plain commit inserts its message and delivery rows before its batch waits for the ledger
    /// head, so a node's batch does that work while another node's batch holds the head; the entry
    /// is appended, referring to the message, once the head is free.
    @Test(.timeLimit(.minutes(2))) func aPlainCommitInsertsItsRowsWhileAnotherBatchHoldsTheHead() async throws {
        let h = try await HeldHead.make()
        defer { h.close() }
        let message = h.fixture.accepted()
        let commit = try await h.commitUntilItWaits(message)
        try h.holder.execute("COMMIT")

        guard case .committed(let index, _) = try await commit.value else { Issue.record("not committed"); return }
        #expect(index == 1)
        #expect(try h.store.ledgerIndexes(forMessage: message.metadata.id) == [1])
        #expect(try h.store.message(message.metadata.id)?.ledgerIndex == 1)
        try PostgresNodesTests.verifyLedger(h.store)
    }

    /// A deadline armed by another node's batch that commits after this batch's message was
    /// inserted (and looked for deadlines to meet), but before this batch holds the ledger head, is
    /// met by the message: it is looked for again once the head is granted, and the batch then runs
    /// one job at a time and meets it, as it would have had the batches not overlapped.
    @Test(.timeLimit(.minutes(2))) func aDeadlineArmedWhileABatchWaitsForTheHeadIsMetByItsMessage() async throws {
        let h = try await HeldHead.make()
        let other = try h.storage.connection()
        defer { other.close(); h.close() }
        let message = h.fixture.accepted(caseReference: "AL-2026-000077")
        let commit = try await h.commitUntilItWaits(message)
        // Another node's batch arms a deadline this message meets, and commits.
        try other.run("""
            INSERT INTO deadlines (id, series, case_ref, trigger_id, trigger_type, expected, responsible, responsible_kinds,
                optional, rule, armed_at, due_at, state)
            VALUES ('d-77', 'd-77', 'AL-2026-000077', 'trigger-77', 'notice', jsonb_build_array(?::text), '[]', '[]',
                false, 'test', 0, 1, 'open')
            """, [.text(message.metadata.type.rawValue)])
        try h.holder.execute("COMMIT")

        guard case .committed = try await commit.value else { Issue.record("not committed"); return }
        var met: (state: String?, by: String?) = (nil, nil)
        try h.observer.query("SELECT state, met_by FROM deadlines WHERE id = 'd-77'") { row in met = (row[0].string, row[1].string) }
        #expect(met.state == "met" && met.by == message.metadata.id.rawValue, "\(met)")
        try PostgresNodesTests.verifyLedger(h.store)
    }

    /// In one batch, a commit that arms a deadline and, queued after it, a plain message that meets
    /// it: the message meets it. The plain commits inserted before the head is locked are only
    /// those queued before the batch's first commit with deadline effects; the rest run in their
    /// order behind the lock.
    @Test(.timeLimit(.minutes(2))) func aMessageQueuedAfterTheCommitArmingItsDeadlineMeetsItInTheSameBatch() async throws {
        let h = try await HeldHead.make()
        defer { h.close() }
        // A first batch waits for the head; the next two commits queue behind it, as one batch.
        let first = try await h.commitUntilItWaits(h.fixture.accepted())
        let caseReference = CaseReference(validated: "AL-2026-000088")
        let (trigger, reply) = Self.triggerAndReply(h.fixture, caseReference: caseReference)
        let store = h.store
        let armed = Task { try await store.commit(trigger) }
        #expect(try await Self.until { store.writer.queuedJobs == 1 })
        let met = Task { try await store.commit(reply) }
        #expect(try await Self.until { store.writer.queuedJobs == 2 })
        try h.holder.execute("COMMIT")
        for task in [first, armed, met] {
            guard case .committed = try await task.value else { Issue.record("not committed"); return }
        }
        let deadlines = try store.deadlines(forCase: caseReference)
        #expect(deadlines.map(\.state) == [.met] && deadlines.first?.metBy == reply.metadata.id, "\(deadlines)")
        try PostgresNodesTests.verifyLedger(store)
    }

    /// A batch whose messages are inserted waits for the head held by another node's batch, which
    /// then inserts one of the same ids: each waits for the other. PostgreSQL breaks the cycle by
    /// failing one of them — whichever's `deadlock_timeout` runs out first — and the message is
    /// committed once either way: when the other batch fails, this one takes the head and commits;
    /// when this one fails, the writer runs it again one job at a time, behind the other batch.
    @Test(.timeLimit(.minutes(3)), arguments: [false, true])
    func aDeadlockOverTheSameIDWithAnotherNodesBatchEndsInOneCommit(writerIsTheVictim: Bool) async throws {
        // The side that breaks the cycle is the one whose deadlock check runs first after both wait:
        // the writer waits first, so its check (at 10 s) finds the cycle if the other side waits
        // within those 10 s; the other's check (at 10 ms) always finds it.
        let writerTimeout = writerIsTheVictim ? "10s" : "120s", holderTimeout = writerIsTheVictim ? "120s" : "10ms"
        let h = try await HeldHead.make(writerSettings: "-cdeadlock_timeout=\(writerTimeout)",
                                        holderSettings: "SET LOCAL deadlock_timeout = '\(holderTimeout)';")
        defer { h.close() }
        let message = h.fixture.accepted()
        let commit = try await h.commitUntilItWaits(message)
        let id = message.metadata.id.rawValue
        let holder = h.holder
        let inserted = await PostgresMigrationTests.onThread {
            Result { () throws -> Void in
                try holder.execute("""
                    INSERT INTO messages (id, digest, type, sender, recipients, case_ref, subject, priority, created_at, expires_at, accepted_at, accepted_receipt)
                    VALUES ('\(id)', 'other', 'notice', 'al.police.test', '[]', 'AL-2026-000001', 'x', 'normal', 0, 0, 0, '\\x00')
                    """)
            }
        }
        switch inserted {
        case .success: #expect(writerIsTheVictim, "the writer's batch gave way, not the other")
        case .failure(let error):
            #expect("\(error)".contains("deadlock"), "\(error)")
            // Where the writer should give way, the other side may only do so on a machine too
            // slow to reach its insert within 10 s; the outcome below must be the same.
            if writerIsTheVictim { print("note: the other batch gave way (its insert came more than 10 s after the writer waited)") }
        }
        try holder.execute("ROLLBACK")
        guard case .committed(let index, _) = try await commit.value else { Issue.record("not committed"); return }
        #expect(index == 1)
        #expect(try h.store.message(message.metadata.id)?.ledgerIndex == 1)
        #expect(try h.store.messageCount() == 2)
        try PostgresNodesTests.verifyLedger(h.store)
    }

    /// Triggers that arm a deadline and the replies that meet it, all submitted at once to two nodes
    /// in a shuffled order: whatever batches they fall in, a deadline is met exactly when its reply's
    /// acceptance follows its trigger's in the one ledger, and then by that reply — the meeting of
    /// deadlines is serialised in ledger order across nodes, with messages inserted before the head
    /// lock and deadlines looked for again once it is granted.
    @Test(.timeLimit(.minutes(3))) func deadlinesAreMetInLedgerOrderAcrossTwoNodes() async throws {
        let storage = try await PostgresStorage.make()
        let a = try PostgresNodesTests.node(storage, "node-a"), b = try PostgresNodesTests.node(storage, "node-b")
        let fixture = try StoreFixture(storage: FixedStorage(store: a))
        defer { a.close(); b.close(); storage.remove() }
        let pairs = (0..<100).map { i in
            let caseReference = CaseReference(validated: String(format: "AL-2026-%06d", 900 + i))
            return (Self.triggerAndReply(fixture, caseReference: caseReference), caseReference)
        }
        // Plain messages beside them, so that batches mix early inserts and deadline commits.
        let plain = (0..<150).map { _ in fixture.accepted() }
        let all = (pairs.flatMap { [$0.0.trigger, $0.0.reply] } + plain).shuffled()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, message) in all.enumerated() {
                group.addTask {
                    guard case .committed = try await (i % 2 == 0 ? a : b).commit(message) else { Issue.record("\(message.metadata.id) not committed"); return }
                }
            }
            try await group.waitForAll()
        }
        var met = 0
        for ((trigger, reply), caseReference) in pairs {
            let triggerIndex = try #require(try a.ledgerIndexes(forMessage: trigger.metadata.id).first)
            let replyIndex = try #require(try a.ledgerIndexes(forMessage: reply.metadata.id).first)
            let deadline = try #require(try a.deadlines(forCase: caseReference).first)
            if replyIndex > triggerIndex {
                met += 1
                #expect(deadline.state == .met && deadline.metBy == reply.metadata.id, "\(caseReference): \(deadline)")
            } else {
                #expect(deadline.state == .open, "\(caseReference): reply at \(replyIndex) before trigger at \(triggerIndex), yet \(deadline)")
            }
        }
        #expect(met > 0, "no reply followed its trigger: the case was not exercised")
        #expect(try a.ledgerSize() > all.count)
        try PostgresNodesTests.verifyLedger(a)
    }

    /// Polls `condition` until it holds, within a bound for a broken store (not a timing assumption).
    static func until(_ condition: @escaping @Sendable () -> Bool) async throws -> Bool {
        let clock = ContinuousClock(), bound = clock.now + .seconds(60)
        while clock.now < bound {
            if condition() { return true }
            try await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// Whether another backend comes to wait for a lock while it holds one on `messages` (rows
    /// inserted) and `deliveries`, and none yet on `ledger` (no entry appended before the head is
    /// held): a writer whose plain commits wait for the ledger head. Polled until it does, within a
    /// bound for a broken writer (not a timing assumption).
    static func writerWaitsForTheHeadWithItsRowsInserted(_ observer: PostgresConnection) async throws -> Bool {
        let waiting = """
            SELECT count(*) FROM pg_locks w
            WHERE NOT w.granted AND w.pid <> pg_backend_pid()
              AND EXISTS (SELECT 1 FROM pg_locks m WHERE m.pid = w.pid AND m.granted AND m.relation = 'messages'::regclass AND m.mode = 'RowExclusiveLock')
              AND EXISTS (SELECT 1 FROM pg_locks d WHERE d.pid = w.pid AND d.granted AND d.relation = 'deliveries'::regclass)
              AND NOT EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = w.pid AND l.relation = 'ledger'::regclass)
            """
        let clock = ContinuousClock(), bound = clock.now + .seconds(60)
        while clock.now < bound {
            if try await PostgresMigrationTests.onThread({ Result { try observer.scalar(waiting)?.int == 1 } }).get() { return true }
            try await Task.sleep(for: .milliseconds(20))
        }
        return false
    }
}
