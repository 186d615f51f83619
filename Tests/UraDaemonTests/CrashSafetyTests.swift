import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
import UraCrypto
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraModel
import UraProtocol
@testable import UraProvisioning
@testable import UraStoreSQLite
import UraStore
import UraStoreSQLite
import UraTestSupport
import UraTestTraits

/// Nothing accepted is ever lost: a child process submits through the real intake and prints every
/// accepted receipt it was handed; it is killed with SIGKILL at random moments; after each kill the
/// store must hold every printed message with all its deliveries, nothing half-written, and a
/// ledger that verifies.
@Suite(.offThePool) struct CrashSafetyTests {
    static let testkit: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("ura-testkit")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug/ura-testkit").standardized
    }()

    @Test(.timeLimit(.minutes(10))) func acceptedMessagesSurviveSIGKILL() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ura-crash-\(UUID().uuidString)")
        let data = dir.appendingPathComponent("data")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let schemas = try TestCatalogue.make(in: dir)
        var promised: [MessageID: Int] = [:]
        var random = SplitMix64(seed: 20_261_123)
        let rounds = 25
        for round in 1...rounds {
            let target = Int.random(in: 1...60, using: &random)
            let lines = try runAndKill(data: data, schemas: schemas, afterAccepted: target)
            for line in lines {
                let parts = line.split(separator: " ")
                guard parts.count == 3, parts[0] == "ACCEPTED", let id = try? MessageID(String(parts[1])), let n = Int(parts[2]) else {
                    Issue.record("round \(round): unexpected output line \(line)")
                    continue
                }
                promised[id] = n
            }
            try check(data: data, promised: promised, round: round)
        }
        #expect(promised.count >= rounds)
        print("crash safety: \(rounds) SIGKILL rounds, \(promised.count) accepted messages all present")
    }

    /// Starts the child, reads its stdout until it has printed `count` accepted lines, kills it with
    /// SIGKILL, and returns every complete line it printed.
    private func runAndKill(data: URL, schemas: URL, afterAccepted count: Int) throws -> [String] {
        let process = try ChildProcess(Self.testkit.path, ["crash-child", data.path, schemas.path])
        var buffer = [UInt8]()
        var lines: [String] = []
        let handle = process.output
        while lines.count < count {
            let chunk = handle.availableData
            if chunk.isEmpty { break }  // the child exited on its own: an error, checked below
            buffer += chunk
            while let newline = buffer.firstIndex(of: 0x0A) {
                lines.append(String(decoding: buffer[..<newline], as: UTF8.self))
                buffer.removeSubrange(...newline)
            }
        }
        let running = process.isRunning
        process.signal(SIGKILL)
        process.wait()
        buffer += handle.readDataToEndOfFile()
        while let newline = buffer.firstIndex(of: 0x0A) {
            lines.append(String(decoding: buffer[..<newline], as: UTF8.self))
            buffer.removeSubrange(...newline)
        }
        if !running {
            let problem = String(decoding: process.errors.readDataToEndOfFile(), as: UTF8.self)
            Issue.record("the crash child stopped by itself: \(problem)")
        }
        return lines
    }

    private func check(data: URL, promised: [MessageID: Int], round: Int) throws {
        let pem = try String(contentsOf: data.appendingPathComponent("gateway.pem"), encoding: .utf8)
        let signer = GatewaySigner(id: AgencyID(validated: "al.ura.gateway"), key: try SigningKey(pem: pem))
        let path = data.appendingPathComponent("ura.sqlite").path
        let store = try SQLiteStore(path: path, ledger: GatewayFixture.ledger(signer))
        defer { store.close() }
        for (id, recipients) in promised {
            let message = try store.message(id)
            #expect(message != nil, "round \(round): accepted message \(id) is missing")
            #expect(try store.deliveries(of: id).count == recipients, "round \(round): message \(id) lost deliveries")
        }
        let db = try SQLiteConnection(path: path, readOnly: true)
        let orphans = [
            "SELECT count(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.message_seq = m.seq)",
            "SELECT count(*) FROM deliveries d WHERE NOT EXISTS (SELECT 1 FROM messages m WHERE m.seq = d.message_seq)",
            "SELECT count(*) FROM messages m WHERE json_array_length(m.recipients) != (SELECT count(*) FROM deliveries d WHERE d.message_seq = m.seq)",
            "SELECT count(*) FROM messages m WHERE NOT EXISTS (SELECT 1 FROM ledger l WHERE l.idx = m.ledger_index AND l.message_seq = m.seq)",
            "SELECT count(*) FROM ledger l WHERE l.message_seq IS NOT NULL AND NOT EXISTS (SELECT 1 FROM messages m WHERE m.seq = l.message_seq)",
        ]
        for query in orphans {
            #expect(try db.scalar(query)?.int == 0, "round \(round): half-written data: \(query)")
        }
        let report = try Ledger(store: store, signer: signer).verify()
        #expect(report.isIntact, "round \(round): \(report.problems.prefix(3))")
    }
}
