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
import UraModel
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestTraits

/// `urad --check-config` checks what a start checks, and changes nothing on disk: systemd runs it
/// before every start, and an operator runs it beside a urad that is running.
@Suite(.offThePool) struct CheckConfigTests {
    private static func check(_ data: URL, _ arguments: [String] = [], environment: [String: String] = [:]) throws -> Processes.Result {
        try Processes.run("urad", ["--data-dir", data.path, "--check-config"] + arguments,
                          environment: ["URA_LOG_LEVEL": "warning"].merging(environment) { $1 })
    }

    private static func demo() throws -> (root: URL, data: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-check-\(UUID().uuidString)")
        let data = root.appendingPathComponent("data")
        try DemoSetup.create(in: data, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura", gatewayURL: "https://127.0.0.1:1")
        return (root, data)
    }

    @Test(.timeLimit(.minutes(3))) func theCheckChangesNothingOnDisk() async throws {
        let (root, data) = try Self.demo()
        defer { try? FileManager.default.removeItem(at: root) }

        // A data directory urad never ran on: the check creates no store and no run/ files.
        var before = try DirectoryListing(data)
        var checked = try Self.check(data)
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.contains("configuration OK") && checked.stdout.contains("does not exist yet"), "\(checked.stdout)")
        var after = try DirectoryListing(data)
        #expect(after == before, "\(after.difference(from: before))")

        // After urad ran: the store (with its ledger), the dashboard's token and the lock stay as they are.
        let daemon = try await RunningDaemon.start(dataDirectory: data)
        daemon.stop()
        before = try DirectoryListing(data)
        checked = try Self.check(data)
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.contains("exists, is writable and private (0600)"), "\(checked.stdout)")
        after = try DirectoryListing(data)
        #expect(after == before, "\(after.difference(from: before))")

        // A store others can read is refused, as a start refuses it.
        let store = data.appendingPathComponent("ura.sqlite").path
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: store)
        checked = try Self.check(data)
        #expect(checked.status == 78 && checked.stderr.contains("can be read or written by others (mode 644)")
                && checked.stderr.contains("chmod 600"), "\(checked.stderr)")
    }

    @Test(.timeLimit(.minutes(3))) func aBrokenConfigurationStillFails() throws {
        let (root, data) = try Self.demo()
        defer { try? FileManager.default.removeItem(at: root) }
        let before = try DirectoryListing(data)
        func refused(_ result: Processes.Result, _ expected: String) {
            #expect(result.status == 78 && result.stderr.hasPrefix("urad: ") && result.stderr.contains(expected), "\(result.status) \(result.stderr)")
        }

        // Environment overrides are applied (and checked).
        refused(try Self.check(data, environment: ["URA_HTTP__EVENT_LOOPS": "0"]), "http.event_loops: must be from 1 to 64")
        // A configuration file with a typo.
        let file = root.appendingPathComponent("urad.json")
        try Data(#"{"data_dir": "\#(data.path)", "listen": {"prot": 9443}}"#.utf8).write(to: file)
        refused(try Self.check(data, ["--config", file.path]), "did you mean 'port'")
        // The TLS files are loaded: a certificate that does not go with the key.
        refused(try Self.check(data, environment: ["URA_TLS__CERTIFICATE": "agencies/al.mpb.secretariat/tls.crt"]), "does not match")
        // The directory is checked as a start checks it.
        refused(try Self.check(data, environment: ["URA_GATEWAY__ID": "al.other.gateway"]), "the directory is for gateway al.ura.gateway")
        let after = try DirectoryListing(data)
        #expect(after == before, "\(after.difference(from: before))")

        // Demo mode on an empty folder: the check creates no demo.
        let empty = root.appendingPathComponent("empty")
        refused(try Self.check(empty), "there is no demo")
        #expect(!FileManager.default.fileExists(atPath: empty.path))
    }
}
