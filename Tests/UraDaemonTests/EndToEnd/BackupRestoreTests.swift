import Foundation
import Testing
import UraGatewayTestSupport
import UraJSON
import UraModel
import UraTestTraits

/// `ura-admin backup` while urad takes submissions, `ura-admin restore` into a fresh data directory, and
/// the agencies' audit afterwards: a head kept before the backup is matched; a head kept after it
/// (messages the backup does not hold) is not, and the audit says so.
@Suite(.offThePool) struct BackupRestoreTests {
    @Test(.timeLimit(.minutes(4))) func aBackupTakenWhileSubmittingRestoresAndAuditsAgainstAHeadSavedBeforeIt() async throws {
        let s = try await Scenario.start()
        let mission = "al.mepj.mission.it-rome", secretariat = "al.mpb.secretariat", police = "al.police.dvp-tirane"
        @Sendable func send(_ i: Int) throws -> Int {
            let reference = String(format: "AL-2026-%06d", 600 + i)
            let bytes = try s.seal(as: mission, type: "return.found-abroad", to: [secretariat], caseReference: reference, subject: .child,
                                   form: try s.example("return.found-abroad", caseReference: reference))
            return try s.curl(mission, "POST", "/v1/messages", body: bytes).status
        }
        for i in 0..<3 { #expect(try send(i) == 202) }
        let kept = try await s.uraOffPool(secretariat, ["audit", "--json"])
        #expect(kept.status == 0, "\(kept)")
        let backup = s.root.appendingPathComponent("backup.sqlite")

        // The backup runs while submissions go on.
        async let submitting: [Int] = Processes.offPool { try (3..<13).map { try send($0) } }
        let taken = try await Processes.runOffPool("ura-admin", ["--data-dir", s.data.path, "backup", backup.path])
        #expect(try await submitting.allSatisfy { $0 == 202 })
        #expect(taken.status == 0 && taken.stdout.contains("backed up"), "\(taken.stderr)")
        let mode = try FileManager.default.attributesOfItem(atPath: backup.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // A second backup to the same file is refused: nothing is overwritten.
        let again = try await Processes.runOffPool("ura-admin", ["--data-dir", s.data.path, "backup", backup.path])
        #expect(again.status == 78 && again.stderr.contains("never overwrites"), "\(again.stderr)")
        // The police audit after everything was submitted: their head has more than the backup may hold.
        let later = try await s.uraOffPool(police, ["audit", "--json"])
        #expect(later.status == 0, "\(later)")
        await s.daemon.stopOffPool()

        // A fresh data directory (the same keys and directory), the backup restored into it.
        let fresh = s.root.appendingPathComponent("restored")
        try FileManager.default.copyItem(at: s.data, to: fresh)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(at: fresh.appendingPathComponent("ura.sqlite" + suffix)) }
        let restored = try await Processes.runOffPool("ura-admin", ["--data-dir", fresh.path, "restore", backup.path])
        #expect(restored.status == 0 && restored.stdout.contains("signed head checks out"), "\(restored.stderr)")
        let twice = try await Processes.runOffPool("ura-admin", ["--data-dir", fresh.path, "restore", backup.path])
        #expect(twice.status == 78 && twice.stderr.contains("a restore never overwrites one"), "\(twice.stderr)")

        let daemon = try await RunningDaemon.start(dataDirectory: fresh)
        let audit = try await s.uraOffPool(secretariat, ["audit", "--json"], gateway: daemon.url)
        let result = (try? JSONValue(parsing: Array(audit.stdout.utf8)))?["result"]?.stringValue
        #expect(audit.status == 0 && (result == "unchanged" || result == "grew"), "\(audit)")
        let entries = try await s.uraOffPool(secretariat, ["audit", "--entries", "--from", "0", "--count", "1000", "--json"], gateway: daemon.url)
        #expect(entries.status == 0, "\(entries)")
        // The police kept a head of the live gateway after the backup; unless the backup holds
        // every entry that head covers, their audit refuses the restored ledger.
        let laterSize = (try? JSONValue(parsing: Array(later.stdout.utf8)))?["tree_size"]?.intValue ?? 0
        let restoredSize = (try? JSONValue(parsing: Array(audit.stdout.utf8)))?["tree_size"]?.intValue ?? 0
        let policeAudit = try await s.uraOffPool(police, ["audit", "--json"], gateway: daemon.url)
        if restoredSize < laterSize { #expect(policeAudit.status != 0, "\(policeAudit)") } else { #expect(policeAudit.status == 0) }
        await daemon.stopOffPool()
        await s.close()
    }
}
