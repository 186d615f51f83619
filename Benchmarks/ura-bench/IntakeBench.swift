import UraProvisioning
import UraClient
import UraDaemon
import UraBasics
import Foundation
import UraCrypto
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraLoad
import UraModel
import UraProtocol
import UraSchema
import UraStore
import UraStoreSQLite

/// Accepted messages per second through the real intake (verify, validate, route, commit with
/// fsync, sign the receipt) with 1, 16 and 64 concurrent submitters, next to the crypto-only
/// ceiling measured in the same run: verify the message's signature and sign a receipt, nothing
/// else, with 64 concurrent workers.
///
///   ura-bench intake [--messages N] [--concurrency 1,16,64] [--no-ceiling] [--rounds R]
/// (`--rounds R`, R > 1, then measures R more pairs — the ceiling at 64 workers, then intake at 64
/// submitters, each on fresh messages — and prints each pair's ratio and the median: on a shared
/// machine whose speed drifts, a pair measured back to back is the fairer comparison.)
/// (`--no-ceiling` skips the ceiling, e.g. to profile intake alone; ratios are then not printed.)
enum IntakeBench {
    static func run(_ arguments: [String]) throws {
        var total = 12_000
        var requested = [1, 16, 64]
        var withCeiling = true
        var rounds = 1
        var i = 0
        while i < arguments.count {
            switch arguments[i] {
            case "--messages": total = Int(arguments[i + 1]) ?? total; i += 2
            case "--concurrency": requested = arguments[i + 1].split(separator: ",").compactMap { Int($0) }; i += 2
            case "--no-ceiling": withCeiling = false; i += 1
            case "--rounds": rounds = max(1, Int(arguments[i + 1]) ?? 1); i += 2
            default: throw BenchError("unknown option \(arguments[i])")
            }
        }
        let levels = requested
        let started = Date()
        let world = try BenchWorld()
        defer { world.close() }
        let perLevel = total / levels.count
        FileHandle.standardError.write(Data("intake: signing \(perLevel * (levels.count + 1)) messages of ~4 KiB...\n".utf8))
        let batches = try (0...levels.count).map { _ in try world.messages(perLevel) }
        let size = batches[0].first?.count ?? 0

        var ceiling = Double.nan
        var cpu = cpuSeconds()
        if withCeiling {
            let half = batches[levels.count].count / 2
            let single = try blocking { try await Self.cryptoCeiling(Array(batches[levels.count].prefix(half)), world: world, concurrency: 1) }
            report(suite: "intake", case: "crypto-ceiling-c1", rate: single, unit: "msg/s", extra: ["bytes": "\(size)"])
            cpu = cpuSeconds()
            ceiling = try blocking { try await Self.cryptoCeiling(Array(batches[levels.count].suffix(half)), world: world, concurrency: 64) }
            report(suite: "intake", case: "crypto-ceiling-c64", rate: ceiling, unit: "msg/s",
                   extra: ["bytes": "\(size)", "cpu_us_per_msg": String(format: "%.0f", (cpuSeconds() - cpu) * 1e6 / Double(half))])
        }
        for (level, batch) in zip(levels, batches) {
            let before = world.store.commitStatistics
            cpu = cpuSeconds()
            FileHandle.standardError.write(Data("intake: c\(level) starts at \(String(format: "%.1f", Date().timeIntervalSince(started))) s\n".utf8))
            let rate = try blocking { try await Self.intake(batch, world: world, concurrency: level) }
            let cpuPerMessage = (cpuSeconds() - cpu) * 1e6 / Double(batch.count)
            let after = world.store.commitStatistics
            let batchesUsed = max(1, after.batches - before.batches)
            report(suite: "intake", case: "accepted-c\(level)", rate: rate, unit: "msg/s", extra: [
                "bytes": "\(size)", "of_ceiling": withCeiling ? String(format: "%.0f%%", 100 * rate / ceiling) : "-",
                "avg_batch": String(format: "%.1f", Double(after.jobs - before.jobs) / Double(batchesUsed)), "fsync": "on",
                "cpu_us_per_msg": String(format: "%.0f", cpuPerMessage),
                "writer_tx_us_per_msg": String(format: "%.0f", (after.transactionSeconds - before.transactionSeconds) * 1e6 / Double(batch.count)),
                "writer_commit_ms_per_batch": String(format: "%.2f", (after.commitSeconds - before.commitSeconds) * 1e3 / Double(batchesUsed)),
                "log_restarts": "\(after.logRestarts - before.logRestarts)/\(after.logCheckpoints - before.logCheckpoints)",
                "writer_busy": String(format: "%.0f%%", 100 * (after.transactionSeconds - before.transactionSeconds + after.commitSeconds - before.commitSeconds) * rate / Double(batch.count)),
            ])
        }
        guard rounds > 1 else { return }
        var ratios: [Double] = []
        for round in 1...rounds {
            FileHandle.standardError.write(Data("intake: round \(round) of \(rounds), signing \(2 * perLevel) messages...\n".utf8))
            let ceilingBatch = try world.messages(perLevel)
            let acceptBatch = try world.messages(perLevel)
            let ceiling = try blocking { try await Self.cryptoCeiling(ceilingBatch, world: world, concurrency: 64) }
            let cpu = cpuSeconds()
            let rate = try blocking { try await Self.intake(acceptBatch, world: world, concurrency: 64) }
            let cpuPerMessage = (cpuSeconds() - cpu) / Double(acceptBatch.count)
            ratios.append(rate / ceiling)
            report(suite: "intake", case: "round-\(round)-c64", rate: rate, unit: "msg/s", extra: [
                "ceiling": String(format: "%.0f", ceiling), "of_ceiling": String(format: "%.0f%%", 100 * rate / ceiling),
                "cpu_us_per_msg": String(format: "%.0f", cpuPerMessage * 1e6), "cores_busy": String(format: "%.2f", cpuPerMessage * rate),
            ])
        }
        let sorted = ratios.sorted()
        let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        report(suite: "intake", case: "rounds-c64-median", rate: 100 * median, unit: "% of ceiling", extra: [
            "rounds": "\(rounds)", "min": String(format: "%.0f%%", 100 * sorted[0]), "max": String(format: "%.0f%%", 100 * sorted[sorted.count - 1]),
        ])
    }

    static func intake(_ messages: [[UInt8]], world: BenchWorld, concurrency: Int) async throws -> Double {
        let queue = WorkQueue(messages)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while let bytes = queue.next() {
                        let submission = try await world.intake.submit(bytes, from: world.sender)
                        guard submission.isNew else { throw BenchError("a message was not new") }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(messages.count) / (ContinuousClock.now - start).secondsDouble
    }

    static func cryptoCeiling(_ messages: [[UInt8]], world: BenchWorld, concurrency: Int) async throws -> Double {
        let queue = WorkQueue(messages)
        let key = world.senderKey.publicKey
        let signer = world.signer
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    while let bytes = queue.next() {
                        let jws = try JWS.parse(bytes)
                        let digest = Base64URL.encode(SHA256.hash(try jws.verify(using: key)))
                        _ = try signer.sign(Receipt(kind: .accepted, message: .random(), digest: digest, at: Date(), by: signer.id))
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(messages.count) / (ContinuousClock.now - start).secondsDouble
    }
}

/// A gateway core on a temporary SQLite file (fsync on), with one sender and three recipients.
final class BenchWorld: @unchecked Sendable {
    let dir: URL
    let store: SQLiteStore
    let intake: Intake
    let signer: GatewaySigner
    let sender = AgencyID(validated: "al.police.dvp-tirane")
    let senderKey: SigningKey
    let recipientKeys: [AgreementPrivateKey]
    let recipients = ["al.mpb.secretariat", "al.shssh.tirane", "al.ashdmf.tirane"].map { AgencyID(validated: $0) }

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("ura-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        signer = GatewaySigner(id: AgencyID(validated: "al.ura.gateway"), key: try SigningKey.generate())
        senderKey = try SigningKey.generate()
        recipientKeys = try (0..<3).map { _ in try AgreementPrivateKey.generate() }
        let signer = self.signer
        let directory = try Directory(
            version: 1, issued: Date(), gateway: .init(id: signer.id, name: "Ura", keys: []),
            agencies: [Agency(id: sender, kind: .police, name: "DVP", keys: [DirectoryKey(kid: senderKey.keyID, use: .sig, jwk: senderKey.publicKey.jwk)])]
                + zip(recipients, recipientKeys).map { id, k in
                    Agency(id: id, kind: .secretariat, name: id.rawValue, keys: [DirectoryKey(kid: k.keyID, use: .enc, jwk: k.publicKey.jwk)])
                })
        store = try SQLiteStore(path: dir.appendingPathComponent("ura.sqlite").path,
                                ledger: Gateway.ledgerConfiguration(signer))
        let catalogue = try MessageCatalogue(directory: try Self.schemas(in: dir))
        intake = Intake(store: store, directory: DirectoryBook(try DirectorySnapshot(directory)), catalogue: catalogue,
                        planner: DeadlinePlanner(catalogue: catalogue.catalogue, calendar: WorkingCalendar(timeZone: TimeZone(identifier: "Europe/Tirane")!, holidays: [])),
                        signer: signer, clock: SystemClock(), events: GatewayEvents())
    }

    func close() {
        store.close()
        try? FileManager.default.removeItem(at: dir)
    }

    /// The repository's core schemas plus a one-type catalogue.
    static func schemas(in dir: URL) throws -> URL {
        let source = MessageCatalogue.defaultDirectory()
        let target = dir.appendingPathComponent("Schemas")
        try FileManager.default.createDirectory(at: target.appendingPathComponent("messages"), withIntermediateDirectories: true)
        for name in ["common", "envelope", "receipt", "directory", "catalogue", "declaration", "words"] {
            try FileManager.default.copyItem(at: source.appendingPathComponent("\(name).schema.json"), to: target.appendingPathComponent("\(name).schema.json"))
        }
        try FileManager.default.copyItem(at: source.appendingPathComponent("words.sq.json"), to: target.appendingPathComponent("words.sq.json"))
        try Data(#"{"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://ura.example/schemas/v1/messages/bench.schema.json","type":"object"}"#.utf8)
            .write(to: target.appendingPathComponent("messages/bench.schema.json"))
        try Data(#"{"version":"bench","types":[{"type":"notice","title":"Notice","title_sq":"Njoftim","schema":"https://ura.example/schemas/v1/messages/bench.schema.json","from":["police"],"to":["secretariat"],"urgency":"routine"}]}"#.utf8)
            .write(to: target.appendingPathComponent("catalogue.json"))
        return target
    }

    /// `count` distinct signed messages of about 4 KiB, each to one recipient, signed in parallel.
    func messages(_ count: Int) throws -> [[UInt8]] {
        let results = WorkResults<[UInt8]>(count)
        DispatchQueue.concurrentPerform(iterations: count) { i in
            results.set(i, try? self.message(recipient: i % 3))
        }
        return try results.all()
    }

    private func message(recipient index: Int) throws -> [UInt8] {
        let id = MessageID.random()
        let now = Date()
        let form: JSONValue = ["case": "AL-2026-000042", "text": .string(String(repeating: "x", count: 1_650))]
        let body = try JWE.encrypt(form.serialized(), to: [recipientKeys[index].publicKey], protectedHeader: ["ura_msg": .string(id.rawValue)])
        let envelope: JSONValue = [
            "id": .string(id.rawValue), "type": "notice", "from": .string(sender.rawValue), "to": [.string(recipients[index].rawValue)],
            "case": "AL-2026-000042", "subject": "adult", "priority": "normal", "created": .string(RFC3339.string(from: now)),
            "expires": .string(RFC3339.string(from: now.addingTimeInterval(86_400))), "body": body.json,
        ]
        return try JWS.sign(payload: envelope.serialized(), header: ["typ": "ura-message+json"], with: senderKey).serialized()
    }
}
