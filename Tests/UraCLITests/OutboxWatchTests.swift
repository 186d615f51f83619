import Foundation
import Synchronization
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
import UraJSON
import UraModel
import UraProtocol
import UraTestSupport
import UraTestTraits

/// The outbox sends by itself: a doubling backoff on an injected clock, kept across a restart,
/// each recipient's messages in the order they were sealed, and `ura status ID` that knows a
/// message the gateway has not seen.
@Suite(.offThePool) struct OutboxWatchTests {
    let mission = "al.mepj.mission.gr-athens", secretariat = "al.mpb.secretariat"

    func keepTwo(_ demo: OfflineDemo) async throws -> [String] {
        let folder = demo.agencyFolder(mission).appendingPathComponent("state/cache")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(try demo.signed(try demo.directory())).write(to: folder.appendingPathComponent("directory.jws"))
        let form = try demo.file("found.json", try demo.example("return.found-abroad", caseReference: "AL-2026-000061").serialized())
        for _ in 0..<2 {
            let sent = try await demo.ura(mission, ["send", form, "--type", "return.found-abroad", "--to", secretariat, "--case", "AL-2026-000061", "--subject", "adult"])
            #expect(sent.status == 69, "\(sent)")
        }
        return demo.kept(mission).map { String($0.dropLast(4)) }.sorted()
    }

    @Test func theBackoffDoublesUpToFifteenMinutes() {
        #expect((1...7).map { OutboxRetry.backoff(afterAttempts: $0) } == [30, 60, 120, 240, 480, 900, 900].map { Duration.seconds($0) })
    }

    /// A clock whose sleep moves its own time at once and remembers for how long it was asked:
    /// the watch runs its passes straight through, and the test reads the backoff it chose.
    final class SteppingClock: WallClock {
        private let state: Mutex<(now: Date, sleeps: [Duration])>
        init(_ start: Date) { state = Mutex((start, [])) }
        var now: Date { state.withLock { $0.now } }
        var sleeps: [Duration] { state.withLock { $0.sleeps } }
        func sleep(for duration: Duration) async throws {
            state.withLock { s in
                s.sleeps.append(duration)
                s.now = s.now.addingTimeInterval(TimeInterval(duration.components.seconds))
            }
        }
    }

    @Test(.timeLimit(.minutes(2))) func watchRetriesOnTheInjectedClockAndItsBackoffSurvivesARestart() async throws {
        let demo = try OfflineDemo()
        let ids = try await keepTwo(demo)
        let profile = try AgencyProfile.load(demo.agencyFolder(mission).appendingPathComponent("profile.json"))
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let clock = SteppingClock(start)
        let passes = Mutex<[OutboxSender.Pass]>([])
        let connection = GatewayConnection(profile: profile)
        try await OutboxSender.watch(profile, connection: connection, clock: clock, interval: .seconds(3600), passes: 3) { pass in
            passes.withLock { $0.append(pass) }
        }
        connection.close()
        #expect(clock.sleeps == [.seconds(30), .seconds(60)])
        #expect(passes.withLock { $0.allSatisfy { $0.waiting?.kind == .unavailable && $0.left == 2 && $0.accepted.isEmpty } })

        // A restart reads the same state: three failed attempts, the next due 120 s after the third.
        let retry = try OutboxRetry.load(profile)
        for id in ids {
            #expect(retry.entries[id]?.attempts == 3)
            #expect(retry.entries[id]?.nextAt == start.addingTimeInterval(30 + 60 + 120))
        }
        let early = try await OutboxSender.pass(profile, connection: GatewayConnection(profile: profile), now: start.addingTimeInterval(100))
        #expect(early.waiting == nil && early.left == 2)
        #expect(try OutboxRetry.load(profile).entries[ids[0]]?.attempts == 3, "a message not due yet was tried")
    }

    @Test func statusKnowsOutboxedRetryingAndRejectedMessagesWithoutTheGateway() async throws {
        let demo = try OfflineDemo()
        let ids = try await keepTwo(demo)
        let outboxed = try await demo.ura(mission, ["status", ids[0]])
        #expect(outboxed.status == 0 && outboxed.stdout.contains("is in the outbox, not yet sent"), "\(outboxed)")

        // `ura status ID | head -0`: the reader left before ura wrote; exit 0 without a word.
        let arguments = ["--profile", demo.agencyFolder(mission).appendingPathComponent("profile.json").path, "status", ids[0]]
        let piped = try await Processes.offPool {
            let child = try ChildProcess(Processes.products.appendingPathComponent("ura").path, arguments)
            try child.output.close()
            let stderr = String(decoding: child.errors.readDataToEndOfFile(), as: UTF8.self)
            return Processes.Result(status: child.wait(), stdout: "", stderr: stderr)
        }
        #expect(piped.status == 0 && piped.stderr.isEmpty, "\(piped)")

        let due = try await demo.ura(mission, ["outbox", "--due"])
        #expect(due.status == 69, "\(due)")
        let retrying = try await demo.ura(mission, ["status", ids[0], "--json"])
        let state = try JSONValue(parsing: Array(retrying.stdout.utf8))
        #expect(retrying.status == 0 && state["state"] == "retrying" && state["attempts"]?.intValue == 1, "\(retrying)")
        let list = try await demo.ura(mission, ["outbox", "--list", "--json"])
        #expect(list.stdout.split(separator: "\n").count == 2 && list.stdout.contains("\"retrying\""))

        let rejected = demo.agencyFolder(mission).appendingPathComponent("state/rejected")
        try FileManager.default.createDirectory(at: rejected, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: demo.agencyFolder(mission).appendingPathComponent("state/outbox/\(ids[1]).jws"),
                                         to: rejected.appendingPathComponent("\(ids[1]).jws"))
        let refused = try await demo.ura(mission, ["status", ids[1]])
        #expect(refused.status == 0 && refused.stdout.contains("was refused by the gateway"), "\(refused)")
    }

    /// A message that waits holds back every later one to its recipients; others go.
    @Test(.timeLimit(.minutes(2))) func aWaitingMessageHoldsBackLaterOnesToTheSameRecipientOnly() async throws {
        let s = try await Scenario.start()
        let profile = try AgencyProfile.load(s.agencyFolder(mission).appendingPathComponent("profile.json"))
        let now = Date()
        func keep(to: String, at offset: TimeInterval, type: String = "return.found-abroad") throws -> String {
            let id = MessageID.random(at: now.addingTimeInterval(offset))
            let bytes = try s.seal(as: mission, type: type, to: [to], caseReference: "AL-2026-000068", subject: .adult,
                                   form: try s.example(type, caseReference: "AL-2026-000068"), id: id)
            _ = try Outbox.keep(bytes, id: id, in: profile)
            return id.rawValue
        }
        let first = try keep(to: secretariat, at: -3), second = try keep(to: secretariat, at: -2), other = try keep(to: "al.police.dvp-tirane", at: -1, type: "investigation.information")
        var retry = try OutboxRetry.load(profile)
        retry.failed(first, at: now, reason: "the gateway could not be reached")
        try retry.save()

        let connection = GatewayConnection(profile: profile, gatewayURL: s.daemon.url)
        let pass = try await OutboxSender.pass(profile, connection: connection, now: now)
        connection.close()
        #expect(pass.accepted.map(\.id) == [other], "\(pass.accepted.map(\.id)) \(pass.rejected)")
        #expect(Set(try Outbox.waiting(in: profile).map { $0.deletingPathExtension().lastPathComponent }) == [first, second])
        await s.close()
    }
}
