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
        let send = BackupRestoreTests.sender(s, firstCase: 700)
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
        let restoredSize = try await BackupRestoreTests.auditRestored(s, gateway: daemon.url, keptBefore: secretariat, keptAfter: police, later: later)
        #expect(restoredSize >= 3)
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
