import Foundation
import Testing
import UraModel
import UraPostgresTestSupport
import UraStore
import UraStoreConformance
@testable import UraStorePostgres
import UraTestTraits

/// A primary with a synchronous streaming standby, the store on a multi-host URL with
/// `target_session_attrs=read-write`: the primary is killed under load and the standby promoted;
/// the store follows it by itself, and every commit it acknowledged is there, once.
@Suite(.offThePool, .enabled(if: PostgresServer.available)) struct PostgresFailoverTests {
    @Test(.timeLimit(.minutes(5))) func aPromotedStandbyHasEveryAcknowledgedMessageOnce() async throws {
        let primary = try await PostgresServer.start(settings: ["synchronous_standby_names": "standby1", "wal_level": "replica"])
        defer { primary.stop() }
        let standby = try await PostgresServer.standby(of: primary, name: "standby1")
        defer { standby.stop() }
        try await Self.waitUntilSynchronous(primary)

        let url = "postgresql://ura@127.0.0.1:\(primary.port),127.0.0.1:\(standby.port)/postgres?target_session_attrs=read-write&connect_timeout=5"
        let store = try await PostgresMigrationTests.onThread { Result { try PostgresStore(url: url, ledger: StoreFixture.ledger) } }.get()
        let fixture = try StoreFixture(storage: FixedStorage(store: store))
        let total = 240, failAfter = 80
        let messages = (0..<total).map { _ in fixture.accepted() }
        let queue = Locked(messages[...])
        let acknowledged = Locked<[MessageID: [UInt8]]>([:])
        let (halfway, reached) = AsyncStream.makeStream(of: Void.self)

        // Eight submitters, each sending its message again until the store acknowledges it (as an
        // agency's outbox does after a 503), pausing 20 ms after a failure.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    while let message = queue.withLock({ $0.popFirst() }) {
                        while true {
                            do {
                                switch try await store.commit(message) {
                                case .committed: break
                                case .duplicate(let receipt): #expect(receipt == message.acceptedReceipt)
                                case .conflict(let digest): Issue.record("conflict with \(digest)")
                                }
                                let count = acknowledged.withLock { $0[message.metadata.id] = message.acceptedReceipt; return $0.count }
                                if count == failAfter { reached.yield() }
                                break
                            } catch {
                                guard case .unavailable = error as? StoreError else { throw error }
                                try await Task.sleep(for: .milliseconds(20))
                            }
                        }
                    }
                }
            }
            group.addTask {
                var iterator = halfway.makeAsyncIterator()
                await iterator.next()
                try await PostgresMigrationTests.onThread { Result { try primary.crash() } }.get()
                try await PostgresMigrationTests.onThread { Result { try standby.promote() } }.get()
            }
            try await group.waitForAll()
        }
        reached.finish()

        // Everything acknowledged is on the promoted standby, once; the ledger is whole.
        let db = try PostgresConnection(url: standby.url())
        defer { db.close() }
        #expect(try db.scalar("SELECT pg_is_in_recovery()")?.bool == false)
        let ids = acknowledged.withLock { Set($0.keys) }
        #expect(ids.count == total)
        var missing = 0
        for id in ids where try store.message(id) == nil { missing += 1 }
        #expect(missing == 0, "\(missing) acknowledged messages are missing after the failover")
        #expect(try db.scalar("SELECT count(*) FROM messages")?.int == total)
        #expect(try db.scalar("SELECT count(*) FROM ledger WHERE convert_from(leaf, 'UTF8') LIKE '%\"kind\":\"message.accepted\"%'")?.int == total)
        try PostgresNodesTests.verifyLedger(store)
    }

    /// Polls the primary (off the cooperative pool) until the standby streams synchronously.
    static func waitUntilSynchronous(_ primary: PostgresServer) async throws {
        let clock = ContinuousClock(), deadline = clock.now + .seconds(120)
        while clock.now < deadline {
            let synchronous = try await PostgresMigrationTests.onThread {
                Result { () throws -> Bool in
                    let db = try PostgresConnection(url: primary.url())
                    defer { db.close() }
                    return try db.scalar("SELECT count(*) FROM pg_stat_replication WHERE application_name = 'standby1' AND sync_state = 'sync'")?.int == 1
                }
            }.get()
            if synchronous { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("the standby never became synchronous:\n\(primary.log)")
    }
}

/// A value shared by concurrent tasks, behind a lock.
final class Locked<Value>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<T>(_ body: (inout Value) -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body(&value)
    }
}
