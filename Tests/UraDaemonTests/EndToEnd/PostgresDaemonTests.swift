import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraDaemon
import UraClient
import UraJSON
import UraModel
import UraPostgresTestSupport
import UraStorePostgres
@testable import UraProvisioning
import UraTestTraits

/// The real urad on a real PostgreSQL server (`store.backend = postgres`, set through the
/// environment): what `--check-config` says, a database that is down at start (exit 69 naming host
/// and port), and one lost while urad runs (503 with Retry-After, never a 202 that did not commit,
/// and urad carries on by itself once it is back).
@Suite(.offThePool, .enabled(if: PostgresServer.available)) struct PostgresDaemonTests {
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
        let server = try await PostgresServer.shared()
        let url = server.url(database: try await server.createDatabase())
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
        #expect(checked.status == 0 && checked.stdout.contains("schema version \(PostgresMigrations.latest) (current), writable"), "\(checked.stdout) \(checked.stderr)")

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
        let server = try await PostgresServer.start()
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
        // Where the database is (host and port) is the operator's business, in the log, not the agency's.
        let detail = refused.body?["detail"]?.stringValue ?? ""
        #expect(!detail.contains("127.0.0.1") && !detail.contains("\(server.port)"), "\(detail)")
        let reading = try s.curl("al.mpb.secretariat", "GET", "/v1/receipts")
        #expect(reading.status == 503 && !(reading.body?["detail"]?.stringValue ?? "").contains("\(server.port)"), "\(String(describing: reading.body))")
        let headerText = (try? String(contentsOf: headers, encoding: .utf8))?.lowercased() ?? ""
        #expect(headerText.contains("retry-after: 5") && headerText.contains("application/problem+json"), "\(headerText)")
        // (Reads say 503 too, not 500: above.)

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

    /// A country on SQLite moves to PostgreSQL: `ura-admin migrate-store` copies the stopped gateway's
    /// store, the agencies' audit sees the same ledger (and its head) continue on PostgreSQL, and
    /// the messages, their states and the receipts feed come along. A database that already holds
    /// Ura data is refused; one that does not answer is exit 69.
    @Test(.timeLimit(.minutes(4))) func migrateStoreMovesACountryFromSQLiteToPostgres() async throws {
        let server = try await PostgresServer.shared()
        let url = server.url(database: try await server.createDatabase())
        let s = try await Scenario.start()
        let mission = "al.mepj.mission.it-rome", secretariat = "al.mpb.secretariat"
        func send(_ reference: String) throws -> MessageID {
            let id = MessageID.random()
            let bytes = try s.seal(as: mission, type: "return.found-abroad", to: [secretariat], caseReference: reference, subject: .child,
                                   form: try s.example("return.found-abroad", caseReference: reference), id: id)
            #expect(try s.curl(mission, "POST", "/v1/messages", body: bytes).status == 202)
            return id
        }
        let first = try send("AL-2026-000051"), second = try send("AL-2026-000052")
        // The secretariat fetches and acknowledges the first (a delivered receipt in the feed).
        let inbox = try s.curl(secretariat, "GET", "/v1/inbox?limit=1")
        let item = try #require(inbox.body?["messages"]?[0])
        #expect(item["id"]?.stringValue == first.rawValue)
        let receipt = try MessageComposer.deliveredReceipt(for: first, digest: try #require(item["digest"]?.stringValue),
                                                           by: AgencyID(secretariat), key: try s.signingKey(secretariat))
        #expect(try s.curl(secretariat, "POST", "/v1/inbox/\(first)/ack", body: receipt).status == 200)
        let before = try await s.uraOffPool(secretariat, ["audit", "--json"])
        #expect(before.status == 0, "\(before)")
        let size = try s.ledgerSize()
        await s.daemon.stopOffPool()

        let migrated = try await Processes.runOffPool("ura-admin", ["--data-dir", s.data.path, "migrate-store", "postgres:\(url)"],
                                                      environment: ["URA_LOG_LEVEL": "warning"])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        #expect(migrated.stdout.contains("2 messages") && migrated.stdout.contains("ledger: \(size) entries"), "\(migrated.stdout)")
        // Again into the same database: refused, nothing changed.
        let again = try await Processes.runOffPool("ura-admin", ["--data-dir", s.data.path, "migrate-store", "postgres:\(url)"])
        #expect(again.status == 78 && again.stderr.contains("already holds Ura data"), "\(again.stderr)")
        let nobody = try await Processes.runOffPool("ura-admin", ["--data-dir", s.data.path, "migrate-store",
                                                             "postgres:postgresql://ura@127.0.0.1:\(try PostgresServer.freePort())/ura"])
        #expect(nobody.status == 69, "\(nobody.stderr)")

        // urad on PostgreSQL: the same ledger, the same states, and it goes on.
        let onPostgres = try await RunningDaemon.start(dataDirectory: s.data, environment: Self.environment(url: url))
        let gateway = onPostgres.url
        let unchanged = try await s.uraOffPool(secretariat, ["audit", "--json"], gateway: gateway)
        #expect(unchanged.status == 0 && unchanged.stdout.contains("\"unchanged\""), "\(unchanged)")
        let status = try Self.curl(s, gateway, mission, "GET", "/v1/messages/\(first)")
        #expect(status.body?["deliveries"]?[0]?["state"] == "delivered", "\(status.raw)")
        let feed = try Self.curl(s, gateway, mission, "GET", "/v1/receipts")
        #expect(feed.body?["receipts"]?.arrayValue?.count == 1, "\(feed.raw)")
        let rest = try Self.curl(s, gateway, secretariat, "GET", "/v1/inbox?limit=10")
        #expect(rest.body?["messages"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [second.rawValue], "\(rest.raw)")
        let third = MessageID.random()
        let bytes = try s.seal(as: mission, type: "return.found-abroad", to: [secretariat], caseReference: "AL-2026-000053", subject: .child,
                               form: try s.example("return.found-abroad", caseReference: "AL-2026-000053"), id: third)
        #expect(try Self.curl(s, gateway, mission, "POST", "/v1/messages", body: bytes).status == 202)
        let grew = try await s.uraOffPool(secretariat, ["audit", "--json"], gateway: gateway)
        #expect(grew.status == 0 && grew.stdout.contains("\"grew\""), "\(grew)")
        await onPostgres.stopOffPool()
        await s.close()
    }

    static func curl(_ s: Scenario, _ base: String, _ agency: String, _ method: String, _ path: String,
                     body: [UInt8]? = nil) throws -> (status: Int, body: JSONValue?, raw: String) {
        try PostgresNodesEndToEndTests.curl(s, base, agency, method, path, body: body)
    }
}
