import Foundation
import Testing
import UraGatewayTestSupport
import UraJSON
import UraPostgresTestSupport
import UraTestTraits

/// docs/operations.md's backup of a PostgreSQL store, as written there: `pg_dump -Fc` while urad
/// takes submissions, `pg_restore` into an empty database, urad started on it, and the agencies'
/// audit afterwards — a head kept before the dump is matched; a head kept after it is matched only
/// if the dump holds every entry it covers.
@Suite(.offThePool, .enabled(if: PostgresServer.available)) struct PostgresBackupRestoreTests {
    @Test(.timeLimit(.minutes(4))) func aDumpTakenWhileSubmittingRestoresIntoAnEmptyDatabaseAndAudits() async throws {
        let server = try await PostgresServer.shared()
        let database = try await server.createDatabase()
        let s = try await Scenario.start(environment: PostgresDaemonTests.environment(url: server.url(database: database)))
        let mission = "al.mepj.mission.it-rome", secretariat = "al.mpb.secretariat", police = "al.police.dvp-tirane"
        @Sendable func send(_ i: Int) throws -> Int {
            let reference = String(format: "AL-2026-%06d", 700 + i)
            let bytes = try s.seal(as: mission, type: "return.found-abroad", to: [secretariat], caseReference: reference, subject: .child,
                                   form: try s.example("return.found-abroad", caseReference: reference))
            return try s.curl(mission, "POST", "/v1/messages", body: bytes).status
        }
        for i in 0..<3 { #expect(try send(i) == 202) }
        let kept = try await s.uraOffPool(secretariat, ["audit", "--json"])
        #expect(kept.status == 0, "\(kept)")

        // The dump runs while submissions go on.
        let pgDump = try #require(PostgresServer.tool("pg_dump")), pgRestore = try #require(PostgresServer.tool("pg_restore"))
        let dump = s.root.appendingPathComponent("ura.dump")
        async let submitting: [Int] = Processes.offPool { try (3..<13).map { try send($0) } }
        let dumped = try await Processes.runOffPool(pgDump, ["-Fc", "-f", dump.path, server.url(database: database)])
        #expect(try await submitting.allSatisfy { $0 == 202 })
        #expect(dumped.status == 0, "\(dumped.stderr)")
        let later = try await s.uraOffPool(police, ["audit", "--json"])
        #expect(later.status == 0, "\(later)")
        await s.daemon.stopOffPool()

        let restoredDatabase = try await server.createDatabase()
        let restored = try await Processes.runOffPool(pgRestore, ["-d", server.url(database: restoredDatabase), dump.path])
        #expect(restored.status == 0, "\(restored.stderr)")
        let daemon = try await RunningDaemon.start(dataDirectory: s.data,
                                                   environment: PostgresDaemonTests.environment(url: server.url(database: restoredDatabase)))
        let audit = try await s.uraOffPool(secretariat, ["audit", "--json"], gateway: daemon.url)
        let result = (try? JSONValue(parsing: Array(audit.stdout.utf8)))?["result"]?.stringValue
        #expect(audit.status == 0 && (result == "unchanged" || result == "grew"), "\(audit)")
        let entries = try await s.uraOffPool(secretariat, ["audit", "--entries", "--from", "0", "--count", "1000", "--json"], gateway: daemon.url)
        #expect(entries.status == 0, "\(entries)")
        let laterSize = (try? JSONValue(parsing: Array(later.stdout.utf8)))?["tree_size"]?.intValue ?? 0
        let restoredSize = (try? JSONValue(parsing: Array(audit.stdout.utf8)))?["tree_size"]?.intValue ?? 0
        #expect(restoredSize >= 3)
        let policeAudit = try await s.uraOffPool(police, ["audit", "--json"], gateway: daemon.url)
        if restoredSize < laterSize { #expect(policeAudit.status != 0, "\(policeAudit)") } else { #expect(policeAudit.status == 0, "\(policeAudit)") }
        // The restored gateway takes submissions and its ledger grows from the restored head.
        #expect(try PostgresNodesEndToEndTests.curl(s, daemon.url, mission, "POST", "/v1/messages",
                                                    body: try s.seal(as: mission, type: "return.found-abroad", to: [secretariat],
                                                                     caseReference: "AL-2026-000799", subject: .child,
                                                                     form: try s.example("return.found-abroad", caseReference: "AL-2026-000799"))).status == 202)
        let grew = try await s.uraOffPool(secretariat, ["audit", "--json"], gateway: daemon.url)
        #expect(grew.status == 0 && grew.stdout.contains("\"grew\""), "\(grew)")
        await daemon.stopOffPool()
        await s.close()
    }
}
