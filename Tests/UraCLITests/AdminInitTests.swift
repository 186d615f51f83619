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
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestTraits

/// A production gateway from nothing, with the real binaries: `ura admin init`, the secretariat's
/// keys, request and enrolment, urad started with a configuration file (not demo mode), and `ura`
/// as the secretariat over TLS, verifying the gateway's certificate and its pinned signing key.
@Suite(.offThePool) struct AdminInitTests {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-init-\(UUID().uuidString)")
    let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Schemas").standardized
    var data: URL { root.appendingPathComponent("data") }

    func initialise(_ extra: [String] = [], dataDirectory: URL? = nil) async throws -> Processes.Result {
        try await Processes.runOffPool("ura", ["admin", "init", "--data-dir", (dataDirectory ?? data).path, "--gateway-id", "al.test.gateway",
                                               "--gateway-name", "Porta e provës", "--host", "localhost,127.0.0.1"] + extra)
    }

    @Test func aNewGatewayServesItsFirstEnrolledAgency() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        let made = try await initialise()
        #expect(made.status == 0, "\(made.stderr)")
        for key in ["ca/ca.key", "gateway/signing.key", "gateway/tls.key"] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: data.appendingPathComponent(key).path)[.posixPermissions] as? Int)
            #expect(mode == 0o600, "\(key)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: data.path).sorted() == ["ca", "directory.json", "gateway"])
        let directory = try DirectoryFile.read(data.appendingPathComponent("directory.json"))
        #expect(directory.agencies.isEmpty && directory.version == 1)
        let gatewayKey = try #require(directory.gateway.keys.first?.kid)
        #expect(made.stdout.contains("gateway_key \(gatewayKey)"))

        let agency = root.appendingPathComponent("secretariat")
        for step in [["keys", "generate", "--out", agency.path, "--agency", "al.test.secretariat"],
                     ["cert", "request", "--agency", "al.test.secretariat", "--key", agency.appendingPathComponent("tls.key").path,
                      "--out", agency.appendingPathComponent("request.csr").path],
                     ["admin", "enrol", "--data-dir", data.path, "--csr", agency.appendingPathComponent("request.csr").path, "--kind", "secretariat",
                      "--name", "Sekretariati", "--keys", agency.appendingPathComponent("keys.json").path,
                      "--out", agency.appendingPathComponent("tls.crt").path]] {
            let result = try await Processes.runOffPool("ura", step)
            #expect(result.status == 0, "ura \(step[0]) \(step[1]): \(result.stderr)")
        }

        let configuration: JSONValue = [
            "data_dir": .string(data.path), "gateway": ["id": "al.test.gateway", "name": "Porta e provës"],
            "listen": ["host": "127.0.0.1", "port": 0], "admin": ["enabled": false], "schemas": .string(schemas.path),
            "holidays": .string(schemas.appendingPathComponent("../deploy/holidays-al.json").standardized.path),
        ]
        let configurationFile = root.appendingPathComponent("urad.json")
        try Data(configuration.serializedString().utf8).write(to: configurationFile)
        let daemon = try await RunningDaemon.start(arguments: ["--config", configurationFile.path], environment: ["URA_LOG_LEVEL": "warning"])
        defer { daemon.stop() }

        let profile: JSONValue = [
            "agency": "al.test.secretariat", "gateway": .string(daemon.url), "ca": .string(data.appendingPathComponent("ca/ca.crt").path),
            "certificate": "tls.crt", "private_key": "tls.key", "signing_key": "signing.key", "encryption_key": "encryption.key",
            "gateway_key": .string(gatewayKey), "state": "state",
        ]
        let profileFile = agency.appendingPathComponent("profile.json")
        try Data(profile.serializedString().utf8).write(to: profileFile)
        let status = try await Processes.runOffPool("ura", ["--profile", profileFile.path, "--schemas", schemas.path, "status", "--json"])
        #expect(status.status == 0, "\(status.stderr)")
    }

    @Test func anExistingGatewayIsNeverReplaced() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try await initialise().status == 0)
        let before = try snapshot(data)
        let again = try await initialise()
        #expect(again.status == 73 && again.stderr.contains("exists already"))
        #expect(try snapshot(data) == before)
    }

    @Test(arguments: [
        (["--gateway-id", "Gateway"], "--gateway-id"),
        (["--host", "not a name"], "--host"),
        (["--host", ""], "--host"),
    ])
    func badArgumentsAreRefusedBeforeAnythingIsMade(_ change: [String], _ named: String) async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        var arguments = ["admin", "init", "--data-dir", data.path, "--gateway-id", "al.test.gateway", "--gateway-name", "T", "--host", "localhost"]
        let at = try #require(arguments.firstIndex(of: change[0]))
        arguments[at + 1] = change[1]
        let result = try await Processes.runOffPool("ura", arguments)
        #expect(result.status == 64 && result.stderr.contains(named))
        #expect(!FileManager.default.fileExists(atPath: data.path))
    }

    /// Two years on: `ura admin renew-tls` gives the gateway a new TLS key and certificate from its
    /// CA, for the names given, and changes nothing else (CA, signing key, directory).
    @Test func theGatewaysTLSCertificateIsRenewedFromItsCA() async throws {
        defer { try? FileManager.default.removeItem(at: root) }
        #expect(try await initialise().status == 0)
        let before = try snapshot(data)
        let renewed = try await Processes.runOffPool("ura", ["admin", "renew-tls", "--data-dir", data.path, "--host", "gateway.example.al,127.0.0.1"])
        #expect(renewed.status == 0 && renewed.stdout.contains("Reload urad to serve it"), "\(renewed)")
        let after = try snapshot(data)
        #expect(Set(after.keys) == Set(before.keys))
        #expect(after.filter { before[$0.key] != $0.value }.keys.sorted() == ["gateway/tls.crt", "gateway/tls.key"])
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: data.appendingPathComponent("gateway/tls.key").path)[.posixPermissions] as? Int)
        #expect(mode == 0o600)

        let certificate = data.appendingPathComponent("gateway/tls.crt").path
        let chain = try await Processes.runOffPool("/usr/bin/openssl", ["verify", "-CAfile", data.appendingPathComponent("ca/ca.crt").path, certificate])
        #expect(chain.status == 0, "\(chain)")
        let text = try await Processes.runOffPool("/usr/bin/openssl", ["x509", "-in", certificate, "-noout", "-subject", "-ext", "subjectAltName"])
        #expect(text.stdout.contains("al.test.gateway") && text.stdout.contains("DNS:gateway.example.al") && text.stdout.contains("IP Address:127.0.0.1"),
                "\(text.stdout)")
        let certificateKey = try await Processes.runOffPool("/usr/bin/openssl", ["x509", "-in", certificate, "-noout", "-pubkey"])
        let privateKey = try await Processes.runOffPool("/usr/bin/openssl", ["pkey", "-in", data.appendingPathComponent("gateway/tls.key").path, "-pubout"])
        #expect(!certificateKey.stdout.isEmpty && certificateKey.stdout == privateKey.stdout)

        let badHost = try await Processes.runOffPool("ura", ["admin", "renew-tls", "--data-dir", data.path, "--host", "not a name"])
        #expect(badHost.status == 64 && badHost.stderr.contains("--host"))
        let empty = root.appendingPathComponent("empty")
        let nothing = try await Processes.runOffPool("ura", ["admin", "renew-tls", "--data-dir", empty.path, "--host", "localhost"])
        #expect(nothing.status == 78 && nothing.stderr.contains("ura admin init"), "\(nothing)")
        #expect(!FileManager.default.fileExists(atPath: empty.path))
        #expect(try snapshot(data) == after)
    }

    /// Every file under `folder` with its bytes and mode.
    private func snapshot(_ folder: URL) throws -> [String: [UInt8]] {
        var files: [String: [UInt8]] = [:]
        let walker = try #require(FileManager.default.enumerator(atPath: folder.path))
        while let relative = walker.nextObject() as? String {
            let path = folder.appendingPathComponent(relative).path
            let mode = (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) ?? -1
            files[relative] = Array(FileManager.default.contents(atPath: path) ?? Data()) + Array("\(mode)".utf8)
        }
        return files
    }
}
