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
import UraJSON
import UraModel
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestSupport
import UraTestTraits

/// urad's background services as a running daemon reports them: `/readyz` over TLS names each
/// one running, the admin listener's `/metrics` has `ura_service_up` for each, and `stop` (the
/// SIGTERM path) leaves every one stopped.
@Suite(.offThePool) struct DaemonServicesTests {
    @Test(.timeLimit(.minutes(2))) func readyzAndMetricsReportEveryServiceAndStopEndsThem() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-services-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        try DemoSetup.create(in: data, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura", gatewayURL: "https://127.0.0.1:1")
        let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Schemas").standardized
        let configuration = try GatewayConfiguration.load(file: nil, environment: ["URA_LISTEN__PORT": "0", "URA_ADMIN__PORT": "0",
                                                                                   "URA_LOG_LEVEL": "error", "URA_SCHEMAS": schemas.path],
                                                          dataDirectory: data.path)
        let daemon = try Daemon(configuration: configuration)
        let port = try daemon.start()
        let names = ["delivery", "deadlines", "retention", "checkpoints", "alerts", "ledger-verification", "federation", "receipt-forwarding"]

        let readyz = try await Processes.runOffPool("/usr/bin/curl", ["-sS", "--cacert", data.appendingPathComponent("ca/ca.crt").path,
                                                                     "-w", "\n%{http_code}", "https://127.0.0.1:\(port)/readyz"])
        let lines = readyz.stdout.split(separator: "\n")
        #expect(lines.last == "200", "\(readyz)")
        let body = try JSONValue(parsing: Array((lines.first ?? "").utf8))
        #expect(body["services"] == .object(JSONObject(names.map { ($0, "running") })), "\(body)")

        let adminPort = try #require(daemon.adminPort)
        let metrics = try await Processes.runOffPool("/usr/bin/curl", ["-sS", "http://127.0.0.1:\(adminPort)/metrics"])
        for name in names { #expect(metrics.stdout.contains("ura_service_up{service=\"\(name)\"} 1\n"), "\(name)") }

        await daemon.stop()
        #expect(daemon.services.all.map(\.name) == names)
        #expect(daemon.services.all.allSatisfy { $0.state == .stopped }, "\(daemon.services.all)")
    }
}
