import Foundation
import UraCrypto
import UraGatewayCore
import UraModel
import UraProtocol
import UraStore
import UraStorePostgres
import UraStoreSQLite

/// `ura-bench postgres --url URL [--count N] [--concurrency C] [--nodes 1,2] [--body repeated|random]`: store commits/s and
/// p99 of one commit for SQLite, PostgreSQL with one node and with two (or the `--nodes` counts) on
/// one database, side by side in one run (the same 4 KiB messages, C submitters in all, spread over
/// the nodes); and the anchor: a plain
/// `INSERT` of a 4 KiB row + `COMMIT` per row through libpq on C connections, what the engine
/// itself does on this machine. The 4 KiB body is one repeated letter (the figures recorded so far),
/// which PostgreSQL compresses to almost nothing, or with `--body random` base64url of random bytes,
/// which does not compress, as a real JWS (stored out of line). `Benchmarks/postgres.sh` starts a
/// private server and runs it.
enum PostgresBench {
    static func run(_ arguments: [String]) throws {
        func option(_ name: String) -> String? {
            arguments.firstIndex(of: "--\(name)").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil }
        }
        guard let url = option("url") else { throw BenchError("give --url postgresql://… of an empty database (Benchmarks/postgres.sh does)") }
        let count = Int(option("count") ?? "") ?? 4000
        let concurrency = Int(option("concurrency") ?? "") ?? 64
        let body: [UInt8]
        switch option("body") ?? "repeated" {
        case "repeated": body = [UInt8](repeating: 0x41, count: 4_096)
        case "random": body = Array(Base64URL.encode((0..<3_072).map { _ in UInt8.random(in: 0...255) }).utf8)
        case let other: throw BenchError("--body is repeated or random, not \(other)")
        }
        let nodeCounts = try (option("nodes") ?? "1,2").split(separator: ",").map { text -> Int in
            guard let n = Int(text), (1...8).contains(n) else { throw BenchError("--nodes takes node counts from 1 to 8, as 1,2,3") }
            return n
        }
        let signer = GatewaySigner(id: AgencyID(validated: "al.ura.gateway"), key: try SigningKey.generate())
        let ledger = Gateway.ledgerConfiguration(signer)

        // The anchor: INSERT + COMMIT of 4 KiB rows, one transaction per row, on C threads.
        let setup = try PostgresConnection(url: url)
        try setup.execute("DROP TABLE IF EXISTS bench_anchor; CREATE TABLE bench_anchor (id bigserial PRIMARY KEY, body bytea NOT NULL)")
        let anchor = try anchorRun(url: url, count: count, concurrency: concurrency, body: body)
        report(suite: "postgres", case: "anchor-libpq-insert-commit-c\(concurrency)", rate: anchor.rate, unit: "rows/s",
               extra: ["p99_ms": String(format: "%.2f", anchor.p99 * 1000)])

        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ura-bench-pg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let sqlite = try SQLiteStore(path: dir.appendingPathComponent("ura.sqlite").path, ledger: ledger)
        let sqliteResult = try commits([sqlite], count: count, concurrency: concurrency, body: body)
        sqlite.close()
        report(suite: "postgres", case: "sqlite-c\(concurrency)", rate: sqliteResult.rate, unit: "msg/s",
               extra: ["p99_ms": String(format: "%.2f", sqliteResult.p99 * 1000)])

        for nodes in nodeCounts {
            let schema = "bench_\(nodes)_\(UInt32.random(in: 0...UInt32.max))"
            try setup.execute("CREATE SCHEMA \(schema)")
            let schemaURL = url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
            let stores = try (0..<nodes).map { i -> PostgresStore in
                var options = PostgresStore.Options()
                options.node = "bench-\(i)"
                return try PostgresStore(url: schemaURL, ledger: ledger, options: options)
            }
            let result = try commits(stores, count: count, concurrency: concurrency, body: body)
            let batches = stores.reduce(0) { $0 + $1.commitStatistics.batches }
            let inTransaction = stores.reduce(0.0) { $0 + $1.commitStatistics.transactionSeconds }
            let committing = stores.reduce(0.0) { $0 + $1.commitStatistics.commitSeconds }
            for store in stores { store.close() }
            try setup.execute("DROP SCHEMA \(schema) CASCADE")
            report(suite: "postgres", case: "postgres-\(nodes)-node\(nodes == 1 ? "" : "s")-c\(concurrency)", rate: result.rate, unit: "msg/s",
                   extra: ["p99_ms": String(format: "%.2f", result.p99 * 1000),
                           "avg_batch": String(format: "%.1f", Double(count) / Double(max(1, batches))),
                           "batch_ms": String(format: "%.2f", 1000 * inTransaction / Double(max(1, batches))),
                           "commit_ms": String(format: "%.2f", 1000 * committing / Double(max(1, batches))),
                           "vs_sqlite": String(format: "%.0f%%", 100 * result.rate / sqliteResult.rate),
                           "vs_anchor": String(format: "%.0f%%", 100 * result.rate / anchor.rate)])
        }
        try setup.execute("DROP TABLE bench_anchor")
        setup.close()
    }

    static func message(_ blob: [UInt8], now: Date) -> AcceptedMessage {
        let recipient = AgencyID(validated: "al.mpb.secretariat")
        return AcceptedMessage(
            metadata: MessageMetadata(id: .random(), type: MessageType(validated: "notice"), from: AgencyID(validated: "al.police.dvp-tirane"),
                                      to: [recipient], caseReference: CaseReference(validated: "AL-2026-000042"), subject: .adult,
                                      priority: .normal, created: now, expires: now.addingTimeInterval(86_400), inReplyTo: nil,
                                      participants: nil, county: nil),
            signedBytes: blob, digest: String(repeating: "A", count: 43), acceptedAt: now, acceptedReceipt: Array(blob.prefix(400)),
            channels: [recipient: .pull], senderKind: .police)
    }

    /// `count` commits spread over `stores` (the nodes), `concurrency` submitters in all: the rate
    /// and the 99th percentile of one commit's latency.
    static func commits(_ stores: [any Store], count: Int, concurrency: Int, body blob: [UInt8]) throws -> (rate: Double, p99: Double) {
        let now = Date()
        let queue = WorkQueue((0..<count).map { _ in message(blob, now: now) })
        let latencies = LatencyLog()
        let rate = try blocking {
            let start = ContinuousClock.now
            try await withThrowingTaskGroup(of: Void.self) { group in
                for worker in 0..<concurrency {
                    let store = stores[worker % stores.count]
                    group.addTask {
                        while let m = queue.next() {
                            let began = ContinuousClock.now
                            _ = try await store.commit(m)
                            latencies.add((ContinuousClock.now - began).secondsDouble)
                        }
                    }
                }
                try await group.waitForAll()
            }
            return Double(count) / (ContinuousClock.now - start).secondsDouble
        }
        return (rate, latencies.percentile(0.99))
    }

    /// The engine's own ceiling: `concurrency` threads, each on its own connection, each inserting
    /// a 4 KiB row and committing, until `count` rows are in.
    static func anchorRun(url: String, count: Int, concurrency: Int, body blob: [UInt8]) throws -> (rate: Double, p99: Double) {
        let connections = try (0..<concurrency).map { _ in try PostgresConnection(url: url) }
        defer { for c in connections { c.close() } }
        let remaining = WorkQueue(Array(0..<count))
        let latencies = LatencyLog()
        let failures = LatencyLog()
        let start = ContinuousClock.now
        // Threads of their own (concurrentPerform would run only as many as there are cores).
        let done = DispatchGroup()
        for db in connections {
            done.enter()
            Thread {
                while remaining.next() != nil {
                    let began = ContinuousClock.now
                    do {
                        try db.execute("BEGIN")
                        try db.run("INSERT INTO bench_anchor (body) VALUES (?)", [.blob(blob)])
                        try db.execute("COMMIT")
                    } catch {
                        failures.add(1)
                    }
                    latencies.add((ContinuousClock.now - began).secondsDouble)
                }
                done.leave()
            }.start()
        }
        done.wait()
        let rate = Double(count) / (ContinuousClock.now - start).secondsDouble
        guard failures.count == 0 else { throw BenchError("\(failures.count) anchor inserts failed") }
        return (rate, latencies.percentile(0.99))
    }
}

/// Latencies collected from concurrent workers.
final class LatencyLog: @unchecked Sendable {
    private var values: [Double] = []
    private let lock = NSLock()
    func add(_ value: Double) { lock.lock(); values.append(value); lock.unlock() }
    var count: Int { lock.lock(); defer { lock.unlock() }; return values.count }
    func percentile(_ p: Double) -> Double {
        lock.lock()
        defer { lock.unlock() }
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }
}
