import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraDaemon
import UraModel
import UraPostgresTestSupport
@testable import UraProvisioning

/// The real urad on a real PostgreSQL server (`store.backend = postgres`, set through the
/// environment): what `--check-config` says, a database that is down at start (exit 69 naming host
/// and port), and one lost while urad runs (503 with Retry-After, never a 202 that did not commit,
/// and urad carries on by itself once it is back).
@Suite(.enabled(if: PostgresServer.available)) struct PostgresDaemonTests {
    static func environment(url: String) -> [String: String] {
        ["URA_STORE__BACKEND": "postgres", "URA_STORE__URL": url, "URA_LOG_LEVEL": "warning"]
    }

    static func demo() throws -> (root: URL, data: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-pg-e2e-\(UUID().uuidString)")
        let data = root.appendingPathComponent("data")
        try DemoSetup.create(in: data, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura", gatewayURL: "https://127.0.0.1:1")
        return (root, data)
    }

    @Test(.timeLimit(.minutes(3))) func theCheckSaysWhatTheServerHasAndChangesNothing() async throws {
        let server = try PostgresServer.shared()
        let url = server.url(database: try server.createDatabase())
        let (root, data) = try Self.demo()
        defer { try? FileManager.default.removeItem(at: root) }
        let env = Self.environment(url: url)

        var checked = try await Processes.runOffPool("urad", ["--data-dir", data.path, "--check-config"], environment: env)
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.contains("store postgres at 127.0.0.1 port \(server.port): PostgreSQL 1"), "\(checked.stdout)")
        #expect(checked.stdout.contains("no Ura schema yet") && checked.stdout.contains("writable"), "\(checked.stdout)")
        // The check created nothing: still no schema.
        checked = try await Processes.runOffPool("urad", ["--data-dir", data.path, "--check-config"], environment: env)
        #expect(checked.stdout.contains("no Ura schema yet"), "\(checked.stdout)")

        let daemon = try await RunningDaemon.start(dataDirectory: data, environment: env)
        await daemon.stopOffPool()
        checked = try await Processes.runOffPool("urad", ["--data-dir", data.path, "--check-config"], environment: env)
        #expect(checked.status == 0 && checked.stdout.contains("schema version 1 (current), writable"), "\(checked.stdout) \(checked.stderr)")

        // A backend that does not exist, and postgres without a URL, are configuration errors (78).
        checked = try await Processes.runOffPool("urad", ["--data-dir", data.path, "--check-config"], environment: ["URA_STORE__BACKEND": "oracle"])
        #expect(checked.status == 78 && checked.stderr.contains("store.backend: must be sqlite or postgres, not 'oracle'"), "\(checked.stderr)")
        checked = try await Processes.runOffPool("urad", ["--data-dir", data.path, "--check-config"], environment: ["URA_STORE__BACKEND": "postgres"])
        #expect(checked.status == 78 && checked.stderr.contains("store.url: must be a PostgreSQL connection URL"), "\(checked.stderr)")
    }

    @Test(.timeLimit(.minutes(3))) func aDatabaseDownAtStartIsASentenceNamingHostAndPortAndExit69() async throws {
        let port = try PostgresServer.freePort()
        let (root, data) = try Self.demo()
        defer { try? FileManager.default.removeItem(at: root) }
        let env = Self.environment(url: "postgresql://ura@127.0.0.1:\(port)/ura?connect_timeout=5")
        for arguments in [["--check-config"], []] {
            let result = try await Processes.runOffPool("urad", ["--data-dir", data.path] + arguments, environment: env)
            #expect(result.status == 69, "\(arguments): \(result.status) \(result.stderr)")
            #expect(result.stderr.hasPrefix("urad: the PostgreSQL store cannot be reached (store.url): cannot connect to PostgreSQL at 127.0.0.1 port \(port)"),
                    "\(result.stderr)")
            #expect(!result.stderr.contains("Fatal error"), "\(result.stderr)")
        }
    }

    @Test(.timeLimit(.minutes(3))) func aLostDatabaseIs503WithRetryAfterAndUradCarriesOnWhenItIsBack() async throws {
        let server = try PostgresServer()
        defer { server.stop() }
        let s = try await Scenario.start(environment: Self.environment(url: server.url(parameters: ["connect_timeout": "5"])))
        let form = try s.example("return.found-abroad", caseReference: "AL-2026-000044")
        func seal() throws -> [UInt8] {
            try s.seal(as: "al.mepj.mission.it-rome", type: "return.found-abroad", to: ["al.mpb.secretariat"],
                       caseReference: "AL-2026-000044", subject: .child, form: form)
        }
        let first = try seal()
        #expect(try s.curl("al.mepj.mission.it-rome", "POST", "/v1/messages", body: first).status == 202)

        try await Processes.offPool { try server.halt() }
        let second = try seal()
        let headers = s.root.appendingPathComponent("headers.txt")
        let refused = try s.curl("al.mepj.mission.it-rome", "POST", "/v1/messages", body: second, extra: ["-D", headers.path])
        #expect(refused.status == 503, "\(String(describing: refused.body))")
        #expect(refused.body?["type"]?.stringValue?.hasSuffix("unavailable") == true, "\(String(describing: refused.body))")
        let headerText = (try? String(contentsOf: headers, encoding: .utf8))?.lowercased() ?? ""
        #expect(headerText.contains("retry-after: 5") && headerText.contains("application/problem+json"), "\(headerText)")
        // Reads say 503 too, not 500.
        #expect(try s.curl("al.mpb.secretariat", "GET", "/v1/receipts").status == 503)

        try await Processes.offPool { try server.start() }
        // The refused message was not committed: sending it again is new (202), the first is a duplicate (200).
        #expect(try s.curl("al.mepj.mission.it-rome", "POST", "/v1/messages", body: second).status == 202)
        #expect(try s.curl("al.mepj.mission.it-rome", "POST", "/v1/messages", body: first).status == 200)
        let inbox = try s.curl("al.mpb.secretariat", "GET", "/v1/inbox?wait=2")
        #expect(inbox.status == 200)
        let again = try s.curl("al.mpb.secretariat", "GET", "/v1/inbox?wait=2")
        #expect(inbox.body?["messages"]?.arrayValue?.count == 2, "\(String(describing: inbox.body).prefix(300)) \(String(describing: again.body).prefix(600))")
        await s.close()
    }
}
