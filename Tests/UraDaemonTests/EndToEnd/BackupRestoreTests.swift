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
        let secretariat = "al.mpb.secretariat", police = "al.police.dvp-tirane"
        let send = Self.sender(s, firstCase: 600)
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
        _ = try await Self.auditRestored(s, gateway: daemon.url, keptBefore: secretariat, keptAfter: police, later: later)
        await daemon.stopOffPool()
        await s.close()
    }

    /// Sends the i-th found-abroad report from the Rome mission to the secretariat (case
    /// AL-2026-(firstCase + i)); returns the HTTP status.
    static func sender(_ s: Scenario, firstCase: Int) -> @Sendable (Int) throws -> Int {
        { i in
            let reference = String(format: "AL-2026-%06d", firstCase + i)
            let bytes = try s.seal(as: "al.mepj.mission.it-rome", type: "return.found-abroad", to: ["al.mpb.secretariat"], caseReference: reference,
                                   subject: .child, form: try s.example("return.found-abroad", caseReference: reference))
            return try s.curl("al.mepj.mission.it-rome", "POST", "/v1/messages", body: bytes).status
        }
    }

    /// The audits on a restored gateway: `keptBefore`'s head (kept before the backup) is matched
    /// (`unchanged` or `grew`) and every entry recomputes; `keptAfter` kept a head of the live
    /// gateway after the backup (`later`, its audit's output): unless the backup holds every entry
    /// that head covers, its audit refuses the restored ledger. Returns the restored tree size.
    static func auditRestored(_ s: Scenario, gateway: String, keptBefore: String, keptAfter: String,
                              later: Processes.Result) async throws -> Int {
        let audit = try await s.uraOffPool(keptBefore, ["audit", "--json"], gateway: gateway)
        let result = (try? JSONValue(parsing: Array(audit.stdout.utf8)))?["result"]?.stringValue
        #expect(audit.status == 0 && (result == "unchanged" || result == "grew"), "\(audit)")
        let entries = try await s.uraOffPool(keptBefore, ["audit", "--entries", "--from", "0", "--count", "1000", "--json"], gateway: gateway)
        #expect(entries.status == 0, "\(entries)")
        let laterSize = (try? JSONValue(parsing: Array(later.stdout.utf8)))?["tree_size"]?.intValue ?? 0
        let restoredSize = (try? JSONValue(parsing: Array(audit.stdout.utf8)))?["tree_size"]?.intValue ?? 0
        let afterAudit = try await s.uraOffPool(keptAfter, ["audit", "--json"], gateway: gateway)
        if restoredSize < laterSize { #expect(afterAudit.status != 0, "\(afterAudit)") } else { #expect(afterAudit.status == 0, "\(afterAudit)") }
        return restoredSize
    }
}
