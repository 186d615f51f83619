import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
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

/// `ura inbox` keeps each message — the signed original and the opened record, 0600 and synced, in
/// the state folder or --out — before it acknowledges it: a message that cannot be kept is not
/// acknowledged, so it comes back after its lease instead of being lost while its sender reads
/// "delivered"; standard output only ever gets a summary, so losing it loses no message.
@Suite(.offThePool, .serialized) struct InboxCommandTests {
    let mission = "al.mepj.mission.gr-athens", secretariat = "al.mpb.secretariat"

    func deliveryState(_ s: Scenario, _ id: String) throws -> String? {
        try s.curl(mission, "GET", "/v1/messages/\(id)").body?["deliveries"]?[0]?["state"]?.stringValue
    }

    /// `ura inbox --json | head -0`: whoever reads standard output has gone before ura writes.
    func inboxIntoAClosedPipe(_ s: Scenario) async throws -> Processes.Result {
        let arguments = s.uraArguments(secretariat, ["inbox", "--json"])
        return try await Processes.offPool {
            let child = try ChildProcess(Processes.products.appendingPathComponent("ura").path, arguments)
            try child.output.close()
            let stderr = String(decoding: child.errors.readDataToEndOfFile(), as: UTF8.self)
            return Processes.Result(status: child.wait(), stdout: "", stderr: stderr)
        }
    }

    /// Runs `ura inbox` (waiting 2 s a time) until it has something to say about message `id`; the
    /// message is leased to the previous fetch for 5 s.
    func untilItComesBack(_ id: String, _ run: () async throws -> Processes.Result) async throws -> Processes.Result {
        var result = try await run()
        for _ in 0..<15 where !(result.stdout + result.stderr).contains(id) { result = try await run() }
        return result
    }

    func submit(_ s: Scenario, caseReference: String, marker: String? = nil) throws -> String {
        let id = MessageID.random()
        let message = try s.seal(as: mission, type: "return.found-abroad", to: [secretariat], caseReference: caseReference, subject: .child,
                                 form: try s.example("return.found-abroad", caseReference: caseReference, marker: marker), id: id)
        #expect(try s.curl(mission, "POST", "/v1/messages", body: message).status == 202)
        return id.rawValue
    }

    func kept(_ s: Scenario) -> URL { s.agencyFolder(secretariat).appendingPathComponent("state/inbox") }

    /// `ura inbox | head -0`: the reader left, but the message was kept before it was acknowledged,
    /// so the delivered receipt is true; ura says nothing and exits 0.
    @Test(.timeLimit(.minutes(3))) func aClosedStandardOutputLosesALineNeverAMessage() async throws {
        let s = try await Scenario.start(environment: ["URA_INBOX__LEASE_SECONDS": "5"])
        let id = try submit(s, caseReference: "AL-2026-000063")

        let piped = try await inboxIntoAClosedPipe(s)
        #expect(piped.status == 0 && piped.stderr.isEmpty, "exit \(piped.status)")
        for name in ["\(id).jws", "\(id).json"] {
            let file = kept(s).appendingPathComponent(name)
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int)
            #expect(mode == 0o600, "\(name): mode \(String(mode, radix: 8))")
        }
        #expect(try deliveryState(s, id) == "delivered")
        await s.close()
    }

    /// `ura inbox > file` on a full disk: the summary is lost, the message is not (exit 74 says so).
    @Test(.timeLimit(.minutes(3))) func aFullStandardOutputIsExit74WithTheMessageKept() async throws {
        let s = try await Scenario.start(environment: ["URA_INBOX__LEASE_SECONDS": "5"])
        let id = try submit(s, caseReference: "AL-2026-000065")
        let full = try await Processes.runOffPool("/bin/sh", ["-c", #"exec "$0" "$@" >/dev/full"#, Processes.products.appendingPathComponent("ura").path]
                                                  + s.uraArguments(secretariat, ["inbox"]))
        #expect(full.status == 74 && full.stderr.contains("No space left on device") && full.stderr.contains("kept in"), "exit \(full.status)")
        #expect(FileManager.default.fileExists(atPath: kept(s).appendingPathComponent("\(id).jws").path))
        #expect(try deliveryState(s, id) == "delivered")
        await s.close()
    }

    @Test(.timeLimit(.minutes(3))) func aMessageThatCannotBeKeptIsNotAcknowledgedAndComesBackAfterItsLease() async throws {
        let s = try await Scenario.start(environment: ["URA_INBOX__LEASE_SECONDS": "5"])
        let id = try submit(s, caseReference: "AL-2026-000063")
        // A file stands where the inbox folder should be.
        try FileManager.default.createDirectory(at: kept(s).deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data("in the way".utf8).write(to: kept(s))
        let blocked = try await s.uraOffPool(secretariat, ["inbox"])
        #expect(blocked.status == 74, "exit \(blocked.status): \(blocked.stderr)")
        #expect(try deliveryState(s, id) != "delivered")

        try FileManager.default.removeItem(at: kept(s))
        let received = try await untilItComesBack(id) { try await s.uraOffPool(secretariat, ["inbox", "--json", "--wait", "2"]) }
        #expect(received.status == 0, "exit \(received.status)")
        #expect(try JSONValue(parsing: Array(received.stdout.utf8))["id"]?.stringValue == id)
        #expect(try deliveryState(s, id) == "delivered")
        await s.close()
    }

    /// The terminal, a log or CI gets who, what, which case — never the form; `--json` neither.
    @Test(.timeLimit(.minutes(3))) func theTerminalGetsASummaryLineAndNeverTheForm() async throws {
        let s = try await Scenario.start(environment: ["URA_INBOX__LEASE_SECONDS": "5"])
        let marker = "Markerfamily"
        let first = try submit(s, caseReference: "AL-2026-000066", marker: marker)
        let text = try await s.uraOffPool(secretariat, ["inbox", "--no-ack"])
        #expect(text.status == 0 && !text.stdout.contains(marker) && !text.stderr.contains(marker), "exit \(text.status)")
        let line = text.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(line.hasPrefix("fetched \(first) return.found-abroad") && line.contains("from ") && line.contains("(\(mission))")
                && line.contains("case AL-2026-000066"), "\(line)")
        #expect(!line.contains("from \(mission)"), "the sender's name is missing: \(line)")

        let json = try await untilItComesBack(first) { try await s.uraOffPool(secretariat, ["inbox", "--json", "--wait", "2"]) }
        #expect(json.status == 0 && !json.stdout.contains(marker), "exit \(json.status)")
        let metadata = try JSONValue(parsing: Array(json.stdout.utf8))
        #expect(metadata["id"]?.stringValue == first && metadata["form"] == nil && metadata["record"]?.stringValue != nil)
        await s.close()
    }

    /// `ura verify` checks the signed original the inbox kept; `ura show` prints the form to a
    /// terminal only.
    @Test(.timeLimit(.minutes(3))) func theKeptOriginalVerifiesAndShowPrintsTheFormOnlyToATerminal() async throws {
        let s = try await Scenario.start()
        let marker = "Markershown"
        let id = try submit(s, caseReference: "AL-2026-000067", marker: marker)
        let received = try await s.uraOffPool(secretariat, ["inbox"])
        #expect(received.status == 0, "exit \(received.status)")

        let verified = try await s.uraOffPool(secretariat, ["verify", kept(s).appendingPathComponent("\(id).jws").path])
        #expect(verified.status == 0 && verified.stdout.hasPrefix("valid: message \(id)"), "\(verified)")

        let piped = try await s.uraOffPool(secretariat, ["show", id])
        #expect(piped.status == 64 && !piped.stdout.contains(marker) && piped.stderr.contains("only to a terminal"), "exit \(piped.status)")

        // `script` gives ura a terminal.
        let command = ([Processes.products.appendingPathComponent("ura").path] + s.uraArguments(secretariat, ["show", id]))
            .map { "'\($0)'" }.joined(separator: " ")
        let terminal = try await Processes.runOffPool("/usr/bin/script", ["-qec", command, "/dev/null"])
        #expect(terminal.status == 0 && terminal.stdout.contains(marker), "exit \(terminal.status)")
        await s.close()
    }

    @Test(.timeLimit(.minutes(3))) func aMessageWrittenToAFolderIsWholeAndOwnerOnlyBeforeItIsAcknowledged() async throws {
        let s = try await Scenario.start(environment: ["URA_INBOX__LEASE_SECONDS": "5"])
        let id = try submit(s, caseReference: "AL-2026-000064")

        // A file stands where the folder should be: nothing can be written, nothing is acknowledged.
        let blocked = s.root.appendingPathComponent("blocked")
        try Data("in the way".utf8).write(to: blocked)
        let failed = try await s.uraOffPool(secretariat, ["inbox", "--out", blocked.path])
        #expect(failed.status == 74 && failed.stderr.contains(blocked.path), "\(failed)")
        #expect(try deliveryState(s, id) != "delivered")

        let out = s.root.appendingPathComponent("received")
        let received = try await untilItComesBack(id) { try await s.uraOffPool(secretariat, ["inbox", "--out", out.path, "--wait", "2"]) }
        #expect(received.status == 0 && received.stdout.hasPrefix("received \(id)"), "\(received)")
        let file = out.appendingPathComponent("\(id).json")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let record = try JSONValue(parsing: Array(try Data(contentsOf: file)))
        #expect(record["id"]?.stringValue == id && record["form"]?["case"] == "AL-2026-000064")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted() == ["\(id).json", "\(id).jws"], "a temporary file was left behind")
        #expect(try deliveryState(s, id) == "delivered")
        await s.close()
    }
}
