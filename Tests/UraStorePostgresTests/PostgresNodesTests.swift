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
