import Foundation
import Testing
import UraBasics
import UraJSON
import UraModel
import UraPostgresTestSupport
import UraProtocol
import UraStore
import UraStoreConformance
@testable import UraStorePostgres
import UraTestTraits

/// Two stores on one schema, as two `urad` nodes on one database: one ledger in one order, the same
/// id at both at once is one message, and no delivery is leased by both.
@Suite(.offThePool, .enabled(if: PostgresServer.available)) struct PostgresNodesTests {
    static func node(_ storage: PostgresStorage, _ name: String) throws -> PostgresStore {
        var options = PostgresStore.Options()
        options.node = name
        return try PostgresStore(url: storage.url, ledger: StoreFixture.ledger, options: options)
    }

    @Test func twoNodesKeepOneLedgerOneMessagePerIDAndNeverLeaseTwice() async throws {
        let storage = try await PostgresStorage.make()
        let a = try Self.node(storage, "node-a"), b = try Self.node(storage, "node-b")
        let fixture = try StoreFixture(storage: FixedStorage(store: a))
        defer { a.close(); b.close(); storage.remove() }

        // 120 messages split across the nodes, and 30 ids each submitted to both nodes at once.
        let plain = (0..<120).map { _ in fixture.accepted() }
        let twice = (0..<30).map { _ in fixture.accepted() }
        let outcomes = try await withThrowingTaskGroup(of: (MessageID, CommitOutcome).self) { group in
            for (i, message) in plain.enumerated() {
                group.addTask { (message.metadata.id, try await (i % 2 == 0 ? a : b).commit(message)) }
            }
            for message in twice {
                group.addTask { (message.metadata.id, try await a.commit(message)) }
                group.addTask { (message.metadata.id, try await b.commit(message)) }
            }
            return try await group.reduce(into: [MessageID: [CommitOutcome]]()) { $0[$1.0, default: []].append($1.1) }
        }
        for message in plain {
            guard case .committed = outcomes[message.metadata.id]?.first else { Issue.record("\(message.metadata.id) not committed"); continue }
        }
        for message in twice {
            let both = outcomes[message.metadata.id] ?? []
            let committed = both.filter { if case .committed = $0 { true } else { false } }
            #expect(committed.count == 1, "\(both)")
            #expect(both.contains(.duplicate(acceptedReceipt: message.acceptedReceipt)), "\(both)")
        }
        #expect(try a.ledgerSize() == 150)
        #expect(try b.ledgerSize() == 150)

        // Both nodes claim at once until nothing is due: every delivery exactly once.
        let claimed = try await withThrowingTaskGroup(of: [DeliveryJob].self) { group in
            for store in [a, b] {
                group.addTask {
                    var mine: [DeliveryJob] = []
                    while true {
                        let jobs = try await store.claimDue(ClaimRequest(now: fixture.start, limit: 7, perRecipientLimit: 1000,
                                                                         leaseUntil: fixture.start.addingTimeInterval(60)))
                        if jobs.isEmpty { return mine }
                        mine += jobs
                    }
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        let keys = claimed.map { "\($0.message) \($0.recipient)" }
        #expect(keys.count == 300)
        #expect(Set(keys).count == keys.count, "a delivery was leased twice")
        let db = try storage.connection()
        defer { db.close() }
        #expect(try db.scalar("SELECT count(DISTINCT leased_by) FROM deliveries WHERE state = 'in_flight'")?.int ?? 0 >= 1)
        #expect(try db.scalar("SELECT count(*) FROM deliveries WHERE leased_by IS NULL")?.int == 0)

        try Self.verifyLedger(a)
    }

    /// Batches of concurrent commits go to the server in one go (a pipelined run); new messages
    /// mixed with repeats (same digest) and conflicts (another digest), which send their batch back
    /// to one job at a time, still get exactly what one-at-a-time commits give, and one ledger.
    @Test func concurrentCommitsMixedWithRepeatsAndConflictsEachGetTheirOutcome() async throws {
        let storage = try await PostgresStorage.make()
        let store = try Self.node(storage, "node-a")
        let fixture = try StoreFixture(storage: FixedStorage(store: store))
        defer { store.close(); storage.remove() }
        let earlier = (0..<20).map { _ in fixture.accepted() }
        for message in earlier { _ = try await store.commit(message) }
        let fresh = (0..<60).map { _ in fixture.accepted() }
        let conflicting = earlier.prefix(10).map { fixture.accepted(id: $0.metadata.id, digest: String(repeating: "B", count: 43)) }
        enum Kind: Sendable { case fresh, repeated, conflicting }
        let all: [(Kind, AcceptedMessage)] = fresh.map { (.fresh, $0) } + earlier.map { (.repeated, $0) } + conflicting.map { (.conflicting, $0) }
        let outcomes = try await withThrowingTaskGroup(of: (Kind, AcceptedMessage, CommitOutcome).self) { group in
            for (kind, message) in all.shuffled() { group.addTask { (kind, message, try await store.commit(message)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        var indexes: Set<Int> = []
        for (kind, message, outcome) in outcomes {
            switch (kind, outcome) {
            case (.fresh, .committed(let index, _)):
                indexes.insert(index)
                #expect(try store.ledgerIndexes(forMessage: message.metadata.id) == [index])
            case (.repeated, .duplicate(let receipt)): #expect(receipt == message.acceptedReceipt)
            case (.conflicting, .conflict(let digest)): #expect(digest == String(repeating: "A", count: 43))
            default: Issue.record("\(kind) got \(outcome)")
            }
        }
        #expect(indexes.count == fresh.count)
        #expect(try store.ledgerSize() == earlier.count + fresh.count)
        #expect(store.commitStatistics.largestBatch >= 2, "no batch held two commits: the run was not exercised")
        // Fresh messages alone, in batches: these go in pipelined runs.
        let before = store.writer.pipelinedRuns
        let more = (0..<40).map { _ in fixture.accepted() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for message in more {
                group.addTask {
                    let outcome = try await store.commit(message)
                    guard case .committed = outcome else { Issue.record("\(outcome)"); return }
                }
            }
            try await group.waitForAll()
        }
        #expect(store.writer.pipelinedRuns > before)
        #expect(try store.ledgerSize() == earlier.count + fresh.count + more.count)
        try Self.verifyLedger(store)
    }

    /// A plain commit inserts its message and delivery rows before its batch waits for the ledger
    /// head, so a node's batch does that work while another node's batch holds the head; the entry
    /// is appended, referring to the message, once the head is free.
    @Test(.timeLimit(.minutes(2))) func aPlainCommitInsertsItsRowsWhileAnotherBatchHoldsTheHead() async throws {
        let storage = try await PostgresStorage.make()
        let store = try Self.node(storage, "node-a")
        let fixture = try StoreFixture(storage: FixedStorage(store: store))
        defer { store.close(); storage.remove() }
        _ = try await store.commit(fixture.accepted())
        let holder = try storage.connection(), observer = try storage.connection()
        defer { holder.close(); observer.close() }
        try holder.execute("BEGIN")
        #expect(try holder.scalar("SELECT tree_size FROM ledger_head WHERE id = 1 FOR UPDATE")?.int == 1)

        let message = fixture.accepted()
        let commit = Task { try await store.commit(message) }
        #expect(try await Self.writerWaitsForTheHeadWithItsRowsInserted(observer), "the writer did not wait for the head with its message rows inserted")
        try holder.execute("COMMIT")

        guard case .committed(let index, _) = try await commit.value else { Issue.record("not committed"); return }
        #expect(index == 1)
        #expect(try store.ledgerIndexes(forMessage: message.metadata.id) == [1])
        #expect(try store.message(message.metadata.id)?.ledgerIndex == 1)
        try Self.verifyLedger(store)
    }

    /// A deadline armed by another node's batch that commits after this batch's message was
    /// inserted (and looked for deadlines to meet), but before this batch holds the ledger head, is
    /// met by the message: it is looked for again once the head is granted, and the batch then runs
    /// one job at a time and meets it, as it would have had the batches not overlapped.
    @Test(.timeLimit(.minutes(2))) func aDeadlineArmedWhileABatchWaitsForTheHeadIsMetByItsMessage() async throws {
        let storage = try await PostgresStorage.make()
        let store = try Self.node(storage, "node-a")
        let fixture = try StoreFixture(storage: FixedStorage(store: store))
        defer { store.close(); storage.remove() }
        _ = try await store.commit(fixture.accepted())
        let holder = try storage.connection(), observer = try storage.connection(), other = try storage.connection()
        defer { holder.close(); observer.close(); other.close() }
        try holder.execute("BEGIN; SELECT 1 FROM ledger_head WHERE id = 1 FOR UPDATE")

        let message = fixture.accepted(caseReference: "AL-2026-000077")
        let commit = Task { try await store.commit(message) }
        #expect(try await Self.writerWaitsForTheHeadWithItsRowsInserted(observer))
        // Another node's batch arms a deadline this message meets, and commits.
        try other.run("""
            INSERT INTO deadlines (id, series, case_ref, trigger_id, trigger_type, expected, responsible, responsible_kinds,
                optional, rule, armed_at, due_at, state)
            VALUES ('d-77', 'd-77', 'AL-2026-000077', 'trigger-77', 'notice', jsonb_build_array(?::text), '[]', '[]',
                false, 'test', 0, 1, 'open')
            """, [.text(message.metadata.type.rawValue)])
        try holder.execute("COMMIT")

        guard case .committed = try await commit.value else { Issue.record("not committed"); return }
        var met: (state: String?, by: String?) = (nil, nil)
        try observer.query("SELECT state, met_by FROM deadlines WHERE id = 'd-77'") { row in met = (row[0].string, row[1].string) }
        #expect(met.state == "met" && met.by == message.metadata.id.rawValue, "\(met)")
        try Self.verifyLedger(store)
    }

    /// In one batch, a commit that arms a deadline and, queued after it, a plain message that meets
    /// it: the message meets it. The plain commits inserted before the head is locked are only
    /// those queued before the batch's first commit with deadline effects; the rest run in their
    /// order behind the lock.
    @Test(.timeLimit(.minutes(2))) func aMessageQueuedAfterTheCommitArmingItsDeadlineMeetsItInTheSameBatch() async throws {
        let storage = try await PostgresStorage.make()
        let store = try Self.node(storage, "node-a")
        let fixture = try StoreFixture(storage: FixedStorage(store: store))
        defer { store.close(); storage.remove() }
        _ = try await store.commit(fixture.accepted())
        let holder = try storage.connection(), observer = try storage.connection()
        defer { holder.close(); observer.close() }
        try holder.execute("BEGIN; SELECT 1 FROM ledger_head WHERE id = 1 FOR UPDATE")
        // A first batch waits for the head; the next two commits queue behind it, as one batch.
        let first = Task { try await store.commit(fixture.accepted()) }
        #expect(try await Self.writerWaitsForTheHeadWithItsRowsInserted(observer))
        let caseReference = CaseReference(validated: "AL-2026-000088")
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
        let (arming, meeting) = (trigger, reply)
        let armed = Task { try await store.commit(arming) }
        #expect(try await Self.until { store.writer.queuedJobs == 1 })
        let met = Task { try await store.commit(meeting) }
        #expect(try await Self.until { store.writer.queuedJobs == 2 })
        try holder.execute("COMMIT")
        for task in [first, armed, met] {
            guard case .committed = try await task.value else { Issue.record("not committed"); return }
        }
        let deadlines = try store.deadlines(forCase: caseReference)
        #expect(deadlines.map(\.state) == [.met] && deadlines.first?.metBy == reply.metadata.id, "\(deadlines)")
        try Self.verifyLedger(store)
    }

    /// Triggers that arm a deadline and the replies that meet it, all submitted at once to two nodes
    /// in a shuffled order: whatever batches they fall in, a deadline is met exactly when its reply's
    /// acceptance follows its trigger's in the one ledger, and then by that reply — the meeting of
    /// deadlines is serialised in ledger order across nodes, with messages inserted before the head
    /// lock and deadlines looked for again once it is granted.
    @Test(.timeLimit(.minutes(3))) func deadlinesAreMetInLedgerOrderAcrossTwoNodes() async throws {
        let storage = try await PostgresStorage.make()
        let a = try Self.node(storage, "node-a"), b = try Self.node(storage, "node-b")
        let fixture = try StoreFixture(storage: FixedStorage(store: a))
        defer { a.close(); b.close(); storage.remove() }
        let request = MessageType(validated: "return.assessment-request"), report = MessageType(validated: "return.assessment-report")
        var pairs: [(trigger: AcceptedMessage, reply: AcceptedMessage, caseReference: CaseReference)] = []
        for i in 0..<100 {
            let caseReference = CaseReference(validated: String(format: "AL-2026-%06d", 900 + i))
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
            pairs.append((trigger, reply, caseReference))
        }
        // Plain messages beside them, so that batches mix early inserts and deadline commits.
        let plain = (0..<150).map { _ in fixture.accepted() }
        let all = (pairs.flatMap { [$0.trigger, $0.reply] } + plain).shuffled()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (i, message) in all.enumerated() {
                group.addTask {
                    guard case .committed = try await (i % 2 == 0 ? a : b).commit(message) else { Issue.record("\(message.metadata.id) not committed"); return }
                }
            }
            try await group.waitForAll()
        }
        var met = 0
        for pair in pairs {
            let triggerIndex = try #require(try a.ledgerIndexes(forMessage: pair.trigger.metadata.id).first)
            let replyIndex = try #require(try a.ledgerIndexes(forMessage: pair.reply.metadata.id).first)
            let deadline = try #require(try a.deadlines(forCase: pair.caseReference).first)
            if replyIndex > triggerIndex {
                met += 1
                #expect(deadline.state == .met && deadline.metBy == pair.reply.metadata.id, "\(pair.caseReference): \(deadline)")
            } else {
                #expect(deadline.state == .open, "\(pair.caseReference): reply at \(replyIndex) before trigger at \(triggerIndex), yet \(deadline)")
            }
        }
        #expect(met > 0, "no reply followed its trigger: the case was not exercised")
        #expect(try a.ledgerSize() > all.count)
        try Self.verifyLedger(a)
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

    /// A batch whose messages are inserted waits for the head held by another node's batch, which
    /// then inserts one of the same ids: each waits for the other. PostgreSQL breaks the cycle by
    /// failing one of them — whichever's `deadlock_timeout` runs out first — and the message is
    /// committed once either way: when the other batch fails, this one takes the head and commits;
    /// when this one fails, the writer runs it again one job at a time, behind the other batch.
    @Test(.timeLimit(.minutes(3)), arguments: [false, true])
    func aDeadlockOverTheSameIDWithAnotherNodesBatchEndsInOneCommit(writerIsTheVictim: Bool) async throws {
        let storage = try await PostgresStorage.make()
        // The side that breaks the cycle is the one whose deadlock check runs first after both wait:
        // the writer waits first, so its check (at 10 s) finds the cycle if the other side waits
        // within those 10 s; the other's check (at 10 ms) always finds it.
        let writerTimeout = writerIsTheVictim ? "10s" : "120s", holderTimeout = writerIsTheVictim ? "120s" : "10ms"
        let store = try PostgresStore(url: storage.server.url(parameters: ["options": "-csearch_path=\(storage.schema) -cdeadlock_timeout=\(writerTimeout)"]),
                                      ledger: StoreFixture.ledger, options: PostgresStore.Options())
        let fixture = try StoreFixture(storage: FixedStorage(store: store))
        defer { store.close(); storage.remove() }
        _ = try await store.commit(fixture.accepted())
        let holder = try storage.connection(), observer = try storage.connection()
        defer { holder.close(); observer.close() }
        try holder.execute("BEGIN; SET LOCAL deadlock_timeout = '\(holderTimeout)'; SELECT 1 FROM ledger_head WHERE id = 1 FOR UPDATE")

        let message = fixture.accepted()
        let commit = Task { try await store.commit(message) }
        #expect(try await Self.writerWaitsForTheHeadWithItsRowsInserted(observer))
        let id = message.metadata.id.rawValue
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
        #expect(try store.message(message.metadata.id)?.ledgerIndex == 1)
        #expect(try store.messageCount() == 2)
        try Self.verifyLedger(store)
    }

    /// A lease that lapses on one node (it died) is put back by the other and claimed again there.
    @Test func aDeadNodesExpiredLeasesAreTakenOverByAnother() async throws {
        let storage = try await PostgresStorage.make()
        let a = try Self.node(storage, "node-a"), b = try Self.node(storage, "node-b")
        let fixture = try StoreFixture(storage: FixedStorage(store: b))
        defer { a.close(); b.close(); storage.remove() }
        let message = fixture.accepted(to: [StoreFixture.shelter])
        _ = try await a.commit(message)
        let leased = try await a.claimDue(ClaimRequest(now: fixture.start, limit: 10, perRecipientLimit: 10,
                                                        leaseUntil: fixture.start.addingTimeInterval(30)))
        #expect(leased.count == 1)
        a.close()  // node a dies with the lease
        let early = fixture.start.addingTimeInterval(29)
        #expect(try await b.releaseExpiredLeases(now: early) == 0)
        #expect(try await b.claimDue(ClaimRequest(now: early, limit: 10, perRecipientLimit: 10, leaseUntil: early.addingTimeInterval(30))).isEmpty)
        let later = fixture.start.addingTimeInterval(30)
        #expect(try await b.releaseExpiredLeases(now: later) == 1)
        let retaken = try await b.claimDue(ClaimRequest(now: later, limit: 10, perRecipientLimit: 10, leaseUntil: later.addingTimeInterval(30)))
        #expect(retaken.map(\.message) == [message.metadata.id])
        #expect(retaken.first?.attempt == 2)
        let db = try storage.connection()
        defer { db.close() }
        #expect(try db.scalar("SELECT leased_by FROM deliveries")?.string == "node-b")
        try Self.verifyLedger(b)
    }

    /// A message one node commits for a pull recipient wakes the other node's listener with that
    /// recipient (LISTEN/NOTIFY), once the transaction commits; a push recipient wakes nobody.
    @Test(.timeLimit(.minutes(2))) func aPullDeliveryCommittedOnOneNodeWakesTheOther() async throws {
        let storage = try await PostgresStorage.make()
        let a = try Self.node(storage, "node-a"), b = try Self.node(storage, "node-b")
        let fixture = try StoreFixture(storage: FixedStorage(store: a))
        defer { a.close(); b.close(); storage.remove() }
        let (woken, continuation) = AsyncStream.makeStream(of: [AgencyID].self)
        try b.listenForInbox { continuation.yield($0) }
        _ = try await a.commit(fixture.accepted(to: [StoreFixture.police], channels: [StoreFixture.police: .push]))
        _ = try await a.commit(fixture.accepted(to: [StoreFixture.secretariat, StoreFixture.shelter],
                                                channels: [StoreFixture.secretariat: .pull, StoreFixture.shelter: .push]))
        var iterator = woken.makeAsyncIterator()
        #expect(await iterator.next() == [StoreFixture.secretariat])
        // Fetched from node a and never acknowledged: when its lease lapses it is back in the inbox,
        // and node b hears of it.
        let fetched = try await a.claimInbox(recipient: StoreFixture.secretariat, now: fixture.start, limit: 10, maxBytes: 1 << 20,
                                             leaseUntil: fixture.start.addingTimeInterval(60))
        #expect(fetched.count == 1)
        #expect(try await a.releaseExpiredLeases(now: fixture.start.addingTimeInterval(60)) == 1)
        #expect(await iterator.next() == [StoreFixture.secretariat])
        // A push recipient whose mode changes to pull: its open deliveries are now in its inbox.
        try await a.setChannel(.pull, for: StoreFixture.shelter, now: fixture.start)
        #expect(await iterator.next() == [StoreFixture.shelter])
        // A dead letter of a pull recipient, redriven: back in its inbox.
        let dead = fixture.accepted(to: [StoreFixture.child], channels: [StoreFixture.child: .pull])
        _ = try await a.commit(dead)
        #expect(await iterator.next() == [StoreFixture.child])
        #expect(try await a.record(.failed(error: "expired", at: fixture.start, failedReceipt: [1]), for: dead.metadata.id,
                                   recipient: StoreFixture.child))
        try await a.redrive(message: dead.metadata.id, recipient: StoreFixture.child, now: fixture.start,
                            until: fixture.start.addingTimeInterval(3600), by: "secretariat")
        #expect(await iterator.next() == [StoreFixture.child])
        // After the store closes its listener is gone: nothing more arrives, and close does not hang.
        b.close()
        continuation.finish()
        #expect(await iterator.next() == nil)
    }

    /// Every entry is the RFC 9162 leaf hash of its leaf, carries its index and the previous entry's
    /// hash, and the signed head's root is the Merkle root of them all.
    static func verifyLedger(_ store: any Store) throws {
        let size = try store.ledgerSize()
        let entries = try store.ledgerEntries(from: 0, count: size)
        #expect(entries.map(\.index) == Array(0..<size))
        var previous = LedgerChain.genesis
        let chain = LedgerChain(hash: StoreFixture.ledger.hash)
        for entry in entries {
            #expect(entry.hash == chain.leafHash(entry.leaf))
            let leaf = try JSONValue(parsing: entry.leaf)
            #expect(leaf["index"]?.numberValue == Double(entry.index))
            #expect(leaf["prev"]?.stringValue == Hex.encode(previous), "entry \(entry.index) is not linked to the one before")
            previous = entry.hash
        }
        let head = try #require(try store.signedHead())
        #expect(head.treeSize == size)
        #expect(head.root == MerkleTree(hash: StoreFixture.ledger.hash).root(entries.map(\.hash)[...]))
    }
}
