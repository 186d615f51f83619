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

/// `ura inbox` writes each message out — standard output or a file in --out — before it
/// acknowledges it: a message that cannot be written (a closed pipe, a full disk) is not
/// acknowledged, so it comes back after its lease instead of being lost while its sender reads
/// "delivered".
@Suite(.serialized) struct InboxCommandTests {
    let mission = "al.mepj.mission.gr-athens", secretariat = "al.mpb.secretariat"

    func submit(_ s: Scenario, caseReference: String) throws -> String {
        let id = MessageID.random()
        let message = try s.seal(as: mission, type: "return.found-abroad", to: [secretariat], caseReference: caseReference, subject: .child,
                                 form: try s.example("return.found-abroad", caseReference: caseReference), id: id)
        #expect(try s.curl(mission, "POST", "/v1/messages", body: message).status == 202)
        return id.rawValue
    }

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

    @Test(.timeLimit(.minutes(3))) func aMessageThatCannotBeWrittenOutIsNotAcknowledgedAndComesBackAfterItsLease() async throws {
        let s = try await Scenario.start(environment: ["URA_INBOX__LEASE_SECONDS": "5"])
        let id = try submit(s, caseReference: "AL-2026-000063")

        let piped = try await inboxIntoAClosedPipe(s)
        #expect(piped.status == 74 && piped.stderr.contains("message \(id) was not acknowledged"), "\(piped)")
        #expect(try deliveryState(s, id) != "delivered")

        // `ura inbox > file` on a full disk.
        let full = try await untilItComesBack(id) {
            try await Processes.runOffPool("/bin/sh", ["-c", #"exec "$0" "$@" >/dev/full"#, Processes.products.appendingPathComponent("ura").path]
                                           + s.uraArguments(secretariat, ["inbox", "--json", "--wait", "2"]))
        }
        #expect(full.status == 74 && full.stderr.contains("No space left on device") && full.stderr.contains("\(id) was not acknowledged"), "\(full)")
        #expect(try deliveryState(s, id) != "delivered")

        let received = try await untilItComesBack(id) { try await s.uraOffPool(secretariat, ["inbox", "--json", "--wait", "2"]) }
        #expect(received.status == 0, "\(received)")
        #expect(try JSONValue(parsing: Array(received.stdout.utf8))["id"]?.stringValue == id)
        #expect(try deliveryState(s, id) == "delivered")
        await s.close()
    }

    @Test(.timeLimit(.minutes(3))) func aMessageWrittenToAFolderIsWholeAndOwnerOnlyBeforeItIsAcknowledged() async throws {
        let s = try await Scenario.start(environment: ["URA_INBOX__LEASE_SECONDS": "5"])
        let id = try submit(s, caseReference: "AL-2026-000064")

        // A file stands where the folder should be: nothing can be written, nothing is acknowledged.
        let blocked = s.root.appendingPathComponent("blocked")
        try Data("in the way".utf8).write(to: blocked)
        let failed = try await s.uraOffPool(secretariat, ["inbox", "--out", blocked.path])
        #expect(failed.status == 74 && failed.stderr.contains("message \(id) was not acknowledged"), "\(failed)")
        #expect(try deliveryState(s, id) != "delivered")

        let out = s.root.appendingPathComponent("received")
        let received = try await untilItComesBack(id) { try await s.uraOffPool(secretariat, ["inbox", "--out", out.path, "--wait", "2"]) }
        #expect(received.status == 0 && received.stdout.hasPrefix("received \(id)"), "\(received)")
        let file = out.appendingPathComponent("\(id).json")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)
        let record = try JSONValue(parsing: Array(try Data(contentsOf: file)))
        #expect(record["id"]?.stringValue == id && record["form"]?["case"] == "AL-2026-000064")
        #expect(try FileManager.default.contentsOfDirectory(atPath: out.path) == ["\(id).json"], "a temporary file was left behind")
        #expect(try deliveryState(s, id) == "delivered")
        await s.close()
    }
}
