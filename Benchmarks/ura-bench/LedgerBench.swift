import Foundation
import UraCrypto
import UraProtocol
import UraStore
import UraStoreSQLite

/// What a ledger proof costs the gateway, on a real SQLite store of N entries: the proofs as the
/// gateway now builds them (O(log n) subtree roots from `ledger_nodes`, `Store.ledgerNode`), and,
/// measured in the same run as the reference, the old way — read every entry's hash and rebuild
/// the tree. Also the one-time cost of filling `ledger_nodes` for a ledger written before it.
///
///   ura-bench ledger [--entries 10000,100000,1000000] [--repeat 200]
enum LedgerBench {
    static func run(_ arguments: [String]) throws {
        var sizes = [10_000, 100_000, 1_000_000]
        var repeats = 200
        var rest = arguments[...]
        while let option = rest.popFirst() {
            guard let value = rest.popFirst() else { throw BenchError("\(option) needs a value") }
            switch option {
            case "--entries":
                let parsed = value.split(separator: ",").map { Int($0) }
                guard !parsed.isEmpty, parsed.allSatisfy({ ($0 ?? 0) > 1 }) else { throw BenchError("--entries takes sizes above 1, comma separated, not '\(value)'") }
                sizes = parsed.map { $0! }
            case "--repeat":
                guard let n = Int(value), n > 0 else { throw BenchError("--repeat takes a whole number above 0, not '\(value)'") }
                repeats = n
            default:
                throw BenchError("usage: ura-bench ledger [--entries 10000,100000,1000000] [--repeat 200]")
            }
        }
        for size in sizes { try measure(size: size, repeats: repeats) }
    }

    static func measure(size: Int, repeats: Int) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("ura-bench-ledger-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ura.sqlite").path
        let configuration = LedgerConfiguration(hash: { SHA256.hash($0) }, signHead: { _, _ in [] }, verifyHead: { _, _, _ in true })
        // The schema, then N entries written straight into the file (random leaf hashes: proofs do
        // not look inside leaves), then the open that fills ledger_nodes as an upgrade does.
        try SQLiteStore(path: path, ledger: configuration).close()
        try SQLiteConnection(path: path).execute("""
            BEGIN;
            INSERT INTO ledger (idx, leaf, hash) WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < \(size - 1))
                SELECT i, x'7b7d', randomblob(32) FROM n;
            COMMIT;
            """)  // the connection closes as it goes
        let clock = ContinuousClock()
        var opened: SQLiteStore?
        let backfill = clock.measure { opened = try? SQLiteStore(path: path, ledger: configuration) }
        guard let store = opened else { throw BenchError("the benchmark store could not be opened") }
        defer { store.close() }
        let tree = MerkleTree(hash: { SHA256.hash($0) })
        let (index, first) = (size / 3, size * 3 / 5)

        func nodes() -> MerkleTree.PerfectRoot<StoreError> {
            var read: [Int: [UInt8]] = [:]
            return { start, height throws(StoreError) in
                if let known = read[start << 6 | height] { return known }
                let hash = try store.ledgerNode(start: start, height: height)
                read[start << 6 | height] = hash
                return hash
            }
        }
        var inclusion: [UInt8] = [], consistency: [UInt8] = []
        var inclusionTimes: [Duration] = [], consistencyTimes: [Duration] = []
        for _ in 0..<repeats {
            var path: [[UInt8]] = []
            inclusionTimes.append(try clock.measure { path = try tree.inclusionProof(index: index, size: size, perfect: nodes()) })
            inclusion = path.flatMap { $0 }
            consistencyTimes.append(try clock.measure { path = try tree.consistencyProof(first: first, size: size, perfect: nodes()) })
            consistency = path.flatMap { $0 }
        }
        // The reference: what every proof cost before (read all hashes, rebuild the tree).
        var linearInclusion: [UInt8] = [], linearConsistency: [UInt8] = []
        let oldInclusion = try clock.measure {
            let hashes = try store.ledgerEntries(from: 0, count: size).map(\.hash)
            linearInclusion = tree.inclusionProof(index: index, hashes[...]).flatMap { $0 }
        }
        let oldConsistency = try clock.measure {
            let hashes = try store.ledgerEntries(from: 0, count: size).map(\.hash)
            linearConsistency = tree.consistencyProof(first: first, hashes[...]).flatMap { $0 }
        }
        guard inclusion == linearInclusion, consistency == linearConsistency else {
            throw BenchError("at \(size) entries the log-time proofs differ from the rebuilt tree's")
        }
        func ms(_ d: Duration) -> String { String(format: "%.3f", d.secondsDouble * 1000) }
        func median(_ times: [Duration]) -> Duration { times.sorted()[times.count / 2] }
        for (name, times, old) in [("inclusion-proof", inclusionTimes, oldInclusion), ("consistency-proof", consistencyTimes, oldConsistency)] {
            let m = median(times)
            report(suite: "ledger", case: name, rate: 1 / m.secondsDouble, unit: "proofs/s",
                   extra: ["entries": "\(size)", "median_ms": ms(m), "max_ms": ms(times.max()!), "rebuild_ms": ms(old),
                           "speedup": String(format: "%.0f", old.secondsDouble / m.secondsDouble)])
        }
        report(suite: "ledger", case: "nodes-backfill", rate: Double(size) / backfill.secondsDouble, unit: "entries/s",
               extra: ["entries": "\(size)", "ms": ms(backfill)])
    }
}
