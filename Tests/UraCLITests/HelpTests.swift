import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
import UraJSON
import UraTestSupport
import UraTestTraits

/// `--help` for every command from one table, a bare `ura` that says how to use it (exit 64), a
/// reader that stops reading treated as done, and `--json` where a command prints.
@Suite(.offThePool) struct HelpTests {
    static let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../docs/cli.md").standardized

    @Test(arguments: CommandTable.all.map(\.name)) func everyCommandHasItsOwnHelp(_ name: String) async throws {
        let result = try await Processes.runOffPool("ura", name.split(separator: " ").map(String.init) + ["--help"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("usage: ura ") && result.stdout.contains(" \(name) ") && result.stdout.contains("example:")
                && result.stdout.contains("exit codes:"), "\(result.stdout)")
    }

    @Test func loginLinkHelpIsLoginLinksNotEnrols() async throws {
        let result = try await Processes.runOffPool("ura", ["admin", "login-link", "--help"])
        #expect(result.status == 0 && result.stdout.contains("--data-dir DIR") && !result.stdout.contains("--csr"), "\(result)")
    }

    @Test func bareUraPrintsUsageAndExits64() async throws {
        let result = try await Processes.runOffPool("ura", [])
        #expect(result.status == 64 && result.stdout.isEmpty && result.stderr.contains("usage: ura"), "\(result)")
    }

    @Test func docsListEveryCommandWithItsHelpText() throws {
        let text = try String(contentsOf: Self.docs, encoding: .utf8)
        let missing = CommandTable.all.filter { !text.contains($0.help) }.map(\.name)
        #expect(missing.isEmpty, "docs/cli.md lacks the help of \(missing) (scripts/cli-help-docs rewrites it)")
        let codes = ExitCode.allCases.filter { !text.contains("| \($0.rawValue) |") }.map(\.rawValue)
        #expect(codes.isEmpty, "docs/cli.md lacks exit codes \(codes)")
    }

    @Test func bashCompletionIsValidBashAndKnowsEverySubcommand() async throws {
        let result = try await Processes.runOffPool("ura", ["completion", "bash"])
        #expect(result.status == 0)
        let check = try await Processes.runOffPool("/bin/bash", ["-n"], input: Array(result.stdout.utf8))
        #expect(check.status == 0, "\(check.stderr)")
        for command in CommandTable.all { #expect(result.stdout.contains("\"\(command.name)\")"), "\(command.name)") }
    }

    /// `ura outbox --list | head -0`: the reader left; ura exits 0 and says nothing.
    @Test func aReaderThatStoppedReadingIsExit0WithoutAWord() async throws {
        let demo = try OfflineDemo()
        try FileManager.default.createDirectory(at: demo.agencyFolder("al.mepj.mission.gr-athens").appendingPathComponent("state/outbox"),
                                                withIntermediateDirectories: true)
        let arguments = ["--profile", demo.agencyFolder("al.mepj.mission.gr-athens").appendingPathComponent("profile.json").path, "outbox", "--list"]
        let result = try await Processes.offPool {
            let child = try ChildProcess(Processes.products.appendingPathComponent("ura").path, arguments)
            try child.output.close()
            let stderr = String(decoding: child.errors.readDataToEndOfFile(), as: UTF8.self)
            return Processes.Result(status: child.wait(), stdout: "", stderr: stderr)
        }
        #expect(result.status == 0 && result.stderr.isEmpty, "\(result)")
    }

    @Test func outboxListJSONPrintsJSON() async throws {
        let demo = try OfflineDemo()
        let outbox = demo.agencyFolder("al.mepj.mission.gr-athens").appendingPathComponent("state/outbox")
        try FileManager.default.createDirectory(at: outbox, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: outbox.appendingPathComponent("0193a2b4-7c1d-7e2f-8a3b-4c5d6e7f8091.jws"))
        let result = try await demo.ura("al.mepj.mission.gr-athens", ["outbox", "--list", "--json"])
        #expect(result.status == 0, "\(result)")
        let line = try JSONValue(parsing: Array(result.stdout.utf8))
        #expect(line["id"] == "0193a2b4-7c1d-7e2f-8a3b-4c5d6e7f8091" && line["state"] == "waiting")
    }

    /// Every command that prints a result has --json; `show` and `example` print JSON already,
    /// `completion` a script.
    @Test func everyCommandThatPrintsHasJSON() async throws {
        let missing = CommandTable.all.filter { !["show", "example", "completion bash"].contains($0.name) && !$0.flags.contains("--json") }.map(\.name)
        #expect(missing.isEmpty, "\(missing)")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ura-keys-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let keys = try await Processes.runOffPool("ura", ["keys", "generate", "--out", folder.path, "--json"])
        #expect(keys.status == 0, "\(keys)")
        #expect(try JSONValue(parsing: Array(keys.stdout.utf8))["signing_kid"]?.stringValue != nil)
        let csr = try await Processes.runOffPool("ura", ["cert", "request", "--agency", "al.shelter.test", "--key", folder.appendingPathComponent("tls.key").path,
                                                         "--out", folder.appendingPathComponent("agency.csr").path, "--json"])
        #expect(csr.status == 0, "\(csr)")
        #expect(try JSONValue(parsing: Array(csr.stdout.utf8))["agency"] == "al.shelter.test")
    }
}
