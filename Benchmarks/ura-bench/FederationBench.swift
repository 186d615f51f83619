import Foundation
import UraClient
import UraCrypto
import UraDaemon
import UraGatewayCore
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning
import UraSchema

/// Across the border: Albania's and Kosovo's gateways in process (two `Daemon`s, two demo CAs,
/// TLS on 127.0.0.1), peered as `ura admin peer add` does; E2s from Albania's social service to
/// Kosovo's, whose HTTPS push endpoint answers with its signed delivered receipt. Latency from
/// Albania's acceptance to the delivered receipt recorded in Albania's store, paced; and, in the
/// same run as the reference, the same rate to a push agency of one gateway (no hop).
///
///   ura-bench federation [--messages 200] [--rate 20] [--retry-seconds 1]
///
/// The delivered receipt comes back when Albania's gateway asks again (its retry, after
/// `--retry-seconds` with full jitter: docs/federation.md, "Limits"), so the hop costs about that.
enum FederationBench {
    static func run(_ arguments: [String]) throws {
        var messages = 200, rate = 20.0, retry = 1
        var i = 0
        while i < arguments.count {
            let value = i + 1 < arguments.count ? arguments[i + 1] : ""
            switch arguments[i] {
            case "--messages": messages = Int(value) ?? messages
            case "--rate": rate = Double(value) ?? rate
            case "--retry-seconds": retry = Int(value) ?? retry
            default: throw BenchError("unknown option \(arguments[i])")
            }
            i += 2
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-bench-federation-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let al = root.appendingPathComponent("ura-data-al"), xk = root.appendingPathComponent("ura-data-xk")
        try DemoSetup.create(in: al, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura AL", gatewayURL: "https://127.0.0.1:1")
        try DemoSetup.create(in: xk, gatewayID: AgencyID(validated: "xk.ura.gateway"), gatewayName: "Ura XK", gatewayURL: "https://127.0.0.1:1",
                             agencies: DemoSetup.kosovoAgencies)
        // Kosovo's social service and, for the reference, Albania's shelter receive by push.
        let xkEndpoint = try PushReceiver(data: xk, agency: "xk.social.prishtine")
        let alEndpoint = try PushReceiver(data: al, agency: "al.shelter.qkpvt")
        defer {
            GatewayBench.waitFor { await xkEndpoint.server.shutdown(gracePeriod: .seconds(1)) }
            GatewayBench.waitFor { await alEndpoint.server.shutdown(gracePeriod: .seconds(1)) }
        }
        for (data, agency, port) in [(xk, "xk.social.prishtine", xkEndpoint.port), (al, "al.shelter.qkpvt", alEndpoint.port)] {
            let file = data.appendingPathComponent("directory.json")
            var directory = try DirectoryFile.read(file)
            if var pushed = directory[AgencyID(validated: agency)] {
                pushed.delivery = .push(url: "https://127.0.0.1:\(port)/ura/inbox")
                directory.upsert(pushed)
            }
            try DirectoryFile.write(directory, to: file)
        }
        let schemas = MessageCatalogue.defaultDirectory()
        func daemon(_ data: URL, _ id: String) throws -> Daemon {
            try Daemon(configuration: try GatewayConfiguration.load(file: nil, environment: [
                "URA_LISTEN__PORT": "0", "URA_ADMIN__ENABLED": "false", "URA_LOG_LEVEL": ProcessInfo.processInfo.environment["URA_BENCH_LOG_LEVEL"] ?? "error",
                "URA_SCHEMAS": schemas.path, "URA_GATEWAY__ID": id, "URA_DELIVERY__RETRY_INITIAL_SECONDS": "\(retry)",
                "URA_DELIVERY__RETRY_MAX_SECONDS": "\(retry)", "URA_DELIVERY__PER_RECIPIENT": "32",
            ], dataDirectory: data.path))
        }
        let alDaemon = try daemon(al, "al.ura.gateway"), xkDaemon = try daemon(xk, "xk.ura.gateway")
        let alPort = try alDaemon.start(), xkPort = try xkDaemon.start()
        defer {
            GatewayBench.waitFor { await alDaemon.stop() }
            GatewayBench.waitFor { await xkDaemon.stop() }
        }
        try Peering.add(try Peering.card(of: xk, url: "https://127.0.0.1:\(xkPort)"), to: al)
        try Peering.add(try Peering.card(of: al, url: "https://127.0.0.1:\(alPort)"), to: xk)
        GatewayBench.waitFor { await xkDaemon.reload() }
        GatewayBench.waitFor { await alDaemon.reload() }
        GatewayBench.waitFor { await xkDaemon.reload() }
        let directory = alDaemon.gateway.directory.snapshot.directory
        guard directory[AgencyID(validated: "xk.social.prishtine")] != nil else { throw BenchError("the gateways did not peer") }

        let sender = AgencyID(validated: "al.shssh.tirane")
        let key = try SigningKey(contentsOfFile: al.appendingPathComponent("agencies/\(sender)/signing.key").path)
        let composer = MessageComposer(agency: sender, signingKey: key, directory: directory, catalogue: try MessageCatalogue(directory: schemas))
        func batch(_ type: String, to: [String]) throws -> [[UInt8]] {
            var form = try JSONValue(parsing: Array(try Data(contentsOf: schemas.appendingPathComponent("examples/\(type).json"))))
            let caseReference = form["case"]?.stringValue ?? "AL-2026-000001"
            if case .object(var object) = form { object["case"] = .string(caseReference); form = .object(object) }
            return try (0..<messages).map { _ in
                try composer.compose(MessageComposer.Draft(type: MessageType(type), to: to.map { try AgencyID($0) },
                                                           caseReference: CaseReference(caseReference), subject: .adult, form: form))
            }
        }
        // The reference: the shelter's intake-to-push path of one gateway; the crossing: E2s to Kosovo.
        let local = try batch("protection.needs-assessment.adult", to: ["al.mpb.secretariat", "al.shelter.qkpvt"])
        let crossing = try batch("avr.assessment-request", to: ["al.mpb.secretariat", "xk.social.prishtine"])
        let reference = try paced(local, rate: rate, through: alDaemon.gateway, sender: sender, agency: "al.shelter.qkpvt")
        let hop = try paced(crossing, rate: rate, through: alDaemon.gateway, sender: sender, agency: "xk.social.prishtine")
        for (name, r) in [("one-gateway-accept-to-push", reference), ("cross-border-accept-to-delivered", hop)] {
            report(suite: "federation", case: "\(name)-\(Int(rate))rps", rate: r.rate, unit: "msg/s", extra: [
                "messages": "\(messages)", "retry_seconds": "\(retry)", "p50_ms": r.p50, "p90_ms": r.p90, "p99_ms": r.p99, "max_ms": r.max,
            ])
        }
        print("federation: at \(Int(rate))/s, accept to delivered across the border p50 \(hop.p50) ms, p99 \(hop.p99) ms "
              + "(one gateway, accept to push: p50 \(reference.p50) ms, p99 \(reference.p99) ms); retry \(retry) s")
    }

    struct Figures { let rate: Double; let p50, p90, p99, max: String }

    /// Submits `batch` at `rate` (in process, Albania's intake) and waits for every delivered receipt
    /// to `agency`; latencies from acceptance to the receipt, as Albania's store records them.
    static func paced(_ batch: [[UInt8]], rate: Double, through gateway: Gateway, sender: AgencyID, agency: String) throws -> Figures {
        let start = Date()
        for (n, bytes) in batch.enumerated() {
            let due = start.addingTimeInterval(Double(n) / rate)
            if due > Date() { Thread.sleep(until: due) }
            GatewayBench.waitFor { _ = try? await gateway.intake.submit(bytes, from: sender) }
        }
        let recipient = AgencyID(validated: agency)
        let deadline = Date().addingTimeInterval(300)
        var latencies: [Double] = []
        repeat {
            Thread.sleep(forTimeInterval: 0.1)
            latencies = try gateway.store.deliveryLatencies(since: start, limit: 1_000_000).sorted()
        } while latencies.count < batch.count && Date() < deadline
        guard latencies.count >= batch.count else { throw BenchError("only \(latencies.count) of \(batch.count) messages to \(recipient) were delivered") }
        let elapsed = Date().timeIntervalSince(start)
        func rank(_ p: Double) -> String { String(format: "%.1f", latencies[min(latencies.count - 1, max(0, Int((p * Double(latencies.count)).rounded(.up)) - 1))] * 1000) }
        return Figures(rate: Double(latencies.count) / max(0.001, elapsed), p50: rank(0.5), p90: rank(0.9), p99: rank(0.99), max: rank(1))
    }
}
