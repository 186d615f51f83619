import Foundation
import UraClient
import UraCrypto
import UraJSON
import UraDaemon
import UraLoad
import UraModel
import UraProtocol
import UraProvisioning
import UraSchema

/// urad over HTTPS on one PostgreSQL database: one node, then two nodes (two `Daemon`s in this
/// process on copies of one data directory, the connections split between them), then one node
/// again, in one run on one database, so the two-node figure sits between two one-node references.
///
///   ura-bench gateway-nodes --url URL [--messages 3000] [--connections 64] [--warm 2000] [--label TEXT]
///
/// Each leg sends distinct signed 4 KiB messages (the gateway benchmark's risk assessment, from the
/// police's certificate) in a closed loop and checks that every answer is 202. With two nodes each
/// load generator runs on a thread of its own against its node; msg/s is both nodes' answers over
/// the longer of the two runs, p99 the worse of the two nodes' p99.
enum GatewayNodesBench {
    static func run(_ arguments: [String]) throws {
        var url: String?, messages = 3000, connections = 64, warm = 2000, label = "postgres"
        var i = 0
        while i < arguments.count {
            let value = i + 1 < arguments.count ? arguments[i + 1] : ""
            switch arguments[i] {
            case "--url": url = value
            case "--messages": messages = Int(value) ?? messages
            case "--connections": connections = Int(value) ?? connections
            case "--warm": warm = Int(value) ?? warm
            case "--label": label = value
            default: throw BenchError("unknown option \(arguments[i])")
            }
            i += 2
        }
        guard let url else { throw BenchError("--url postgresql://… is required (Benchmarks/postgres.sh --nodes starts a server)") }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-bench-nodes-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let dataA = root.appendingPathComponent("a"), dataB = root.appendingPathComponent("b")
        try DemoSetup.create(in: dataA, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura", gatewayURL: "https://127.0.0.1:1")
        try FileManager.default.copyItem(at: dataA, to: dataB)

        let schemas = MessageCatalogue.defaultDirectory()
        func start(_ data: URL) throws -> (Daemon, Int) {
            let environment = ["URA_LISTEN__PORT": "0", "URA_ADMIN__ENABLED": "false", "URA_LOG_LEVEL": "error", "URA_SCHEMAS": schemas.path,
                               "URA_STORE__BACKEND": "postgres", "URA_STORE__URL": url]
            let daemon = try Daemon(configuration: try GatewayConfiguration.load(file: nil, environment: environment, dataDirectory: data.path))
            return (daemon, try daemon.start())
        }
        let (a, portA) = try start(dataA)
        defer { GatewayBench.waitFor { await a.stop() } }

        let police = AgencyID(validated: "al.police.dvp-tirane")
        let folder = dataA.appendingPathComponent("agencies/\(police)")
        let composer = MessageComposer(agency: police, signingKey: try SigningKey(contentsOfFile: folder.appendingPathComponent("signing.key").path),
                                       directory: try DirectoryFile.read(dataA.appendingPathComponent("directory.json")),
                                       catalogue: try MessageCatalogue(directory: schemas))
        guard case .object(var form) = try JSONValue(parsing: Array(try Data(contentsOf: schemas.appendingPathComponent("examples/risk.assessment.json"))))
        else { throw BenchError("the risk assessment example is not an object") }
        form["factors_detail"] = .string(String(repeating: "Contact by the recruiter reported by the case worker. ", count: 22))
        var sealedSoFar = 0
        func seal(_ count: Int) throws -> [[UInt8]] {
            try (0..<count).map { _ in
                sealedSoFar += 1
                let reference = String(format: "AL-2026-%06d", sealedSoFar % 999_999 + 1)
                form["case"] = .string(reference)
                return try composer.compose(MessageComposer.Draft(type: MessageType(validated: "risk.assessment"), to: [AgencyID(validated: "al.mpb.secretariat")],
                                                                  caseReference: CaseReference(validated: reference), subject: .adult,
                                                                  form: .object(form)))
            }
        }
        FileHandle.standardError.write(Data("gateway-nodes: sealing messages...\n".utf8))
        let warmBatch = try seal(warm), oneBefore = try seal(messages), two = try seal(messages), oneAfter = try seal(messages)

        func configuration(port: Int, connections: Int) -> LoadGeneratorConfiguration {
            LoadGeneratorConfiguration(
                host: "127.0.0.1", port: port, path: "/v1/messages", headers: ["Content-Type": "application/jose+json"],
                connections: connections, threads: 1, targetRate: nil,
                clientCertificate: .file(folder.appendingPathComponent("tls.crt").path), clientKey: .file(folder.appendingPathComponent("tls.key").path),
                trustedAuthorities: .file(dataA.appendingPathComponent("ca/ca.crt").path))
        }
        func check(_ result: LoadResult, _ count: Int) throws {
            guard result.failures == 0, result.statusCounts == [202: count] else {
                throw BenchError("run failed: statuses \(result.statusCounts), \(result.failures) failures")
            }
        }
        func oneNode(_ batch: [[UInt8]]) throws -> LoadResult {
            let result = try HTTPSLoadGenerator(configuration: configuration(port: portA, connections: connections)).runBlocking(.distinct(batch))
            try check(result, batch.count)
            return result
        }
        _ = try oneNode(warmBatch)
        let before = try oneNode(oneBefore)

        // Node B joins: half the connections each, at the same time.
        let (b, portB) = try start(dataB)
        defer { GatewayBench.waitFor { await b.stop() } }
        let halves = [Array(two[..<(two.count / 2)]), Array(two[(two.count / 2)...])]
        let results = WorkResults<Result<LoadResult, any Error>>(2)
        let group = DispatchGroup()
        let halfConfigurations = [portA, portB].map { configuration(port: $0, connections: connections / 2) }
        for (index, load) in halfConfigurations.enumerated() {
            group.enter()
            Thread {
                results.set(index, Result { try HTTPSLoadGenerator(configuration: load).runBlocking(.distinct(halves[index])) })
                group.leave()
            }.start()
        }
        group.wait()
        let both = try results.all().map { try $0.get() }
        for (result, half) in zip(both, halves) { try check(result, half.count) }
        let twoSeconds = both.map(\.duration.secondsDouble).max() ?? 1
        let twoRate = Double(two.count) / twoSeconds
        let twoP99 = both.map(\.latency.p99).max() ?? .zero

        let after = try oneNode(oneAfter)
        let reference = (before.throughput + after.throughput) / 2
        report(suite: "gateway-nodes", case: "\(label)-1-node-before", rate: before.throughput, unit: "msg/s",
               extra: ["p99_ms": GatewayBench.ms(before.latency.p99), "connections": "\(connections)"])
        report(suite: "gateway-nodes", case: "\(label)-2-nodes", rate: twoRate, unit: "msg/s",
               extra: ["p99_ms": GatewayBench.ms(twoP99), "connections": "\(connections / 2)+\(connections / 2)",
                       "of_1_node": String(format: "%.0f%%", 100 * twoRate / reference)])
        report(suite: "gateway-nodes", case: "\(label)-1-node-after", rate: after.throughput, unit: "msg/s",
               extra: ["p99_ms": GatewayBench.ms(after.latency.p99), "connections": "\(connections)"])
        print("gateway-nodes (\(label)): 1 node \(Int(before.throughput)) / \(Int(after.throughput)) msg/s (p99 \(GatewayBench.ms(before.latency.p99)) / "
              + "\(GatewayBench.ms(after.latency.p99)) ms), 2 nodes \(Int(twoRate)) msg/s (p99 \(GatewayBench.ms(twoP99)) ms) = "
              + String(format: "%.0f%%", 100 * twoRate / reference) + " of 1 node")
    }
}
