import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
import UraCrypto
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
import UraTestSupport
import UraTestTraits

/// Renewing the gateway's TLS certificate on a running urad: `ura admin renew-tls --reload`
/// signals it, new connections get the new certificate (as `openssl s_client` sees it), the
/// agencies' `ura` goes on working unchanged, and urad was not restarted.
@Suite(.offThePool, .serialized) struct TLSRenewalTests {
    private static func fingerprint(ofFile path: String) async throws -> String {
        try await Processes.offPool { try OpenSSLFingerprint.ofCertificateFile(path) }
    }

    /// What a new connection to urad is served, verified against the gateway's CA ("none" if nothing verifies).
    private static func served(_ s: Scenario) async throws -> String {
        let (port, caFile) = (s.daemon.port, s.data.appendingPathComponent("ca/ca.crt").path)
        return try await Processes.offPool { try OpenSSLFingerprint.served(port: port, caFile: caFile) } ?? "none"
    }

    @Test(.timeLimit(.minutes(3))) func aRenewedCertificateIsServedAfterAReloadWithoutARestart() async throws {
        let s = try await Scenario.start()
        let certificate = s.data.appendingPathComponent("gateway/tls.crt").path
        let before = try await Self.fingerprint(ofFile: certificate)
        #expect(try await Self.served(s) == before)

        let renewed = try await Processes.runOffPool("ura", ["admin", "renew-tls", "--data-dir", s.data.path, "--host", "127.0.0.1,localhost", "--reload"])
        #expect(renewed.status == 0, "\(renewed)")
        #expect(renewed.stdout.contains("urad (pid \(s.daemon.process.pid)) reloads its TLS files"), "\(renewed.stdout)")
        let after = try await Self.fingerprint(ofFile: certificate)
        #expect(after != before && renewed.stdout.contains(after))
        // urad handles SIGHUP on its own queue: poll new connections until they see it (bounded).
        var seen = try await Self.served(s)
        for _ in 0..<200 where seen != after { seen = try await Self.served(s) }
        #expect(seen == after)
        #expect(s.daemon.process.isRunning)

        // The agencies trust the same CA: they change nothing.
        let inbox = try await s.uraOffPool("al.mpb.secretariat", ["inbox", "--json"])
        #expect(inbox.status == 0, "\(inbox.stderr)")

        // With no urad on the data directory, the files are renewed and --reload says nobody was told.
        s.daemon.stop()
        let unsent = try await Processes.runOffPool("ura", ["admin", "renew-tls", "--data-dir", s.data.path, "--host", "localhost", "--reload"])
        #expect(unsent.status == 69 && unsent.stderr.contains("urad does not run on \(s.data.path)")
                && unsent.stderr.contains("it will serve the new certificate when it starts"), "\(unsent)")
        #expect(try await Self.fingerprint(ofFile: certificate) != after)
        await s.close()
    }

    /// In process: a reload checks the files as a start does (a key others can read, a key that is
    /// not the certificate's) and keeps what it serves when they fail; mended, they are taken.
    @Test(.timeLimit(.minutes(2))) func aReloadRefusesWhatAStartRefusesAndKeepsServing() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-tls-reload-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        try DemoSetup.create(in: data, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura", gatewayURL: "https://127.0.0.1:1")
        let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Schemas").standardized
        let configuration = try GatewayConfiguration.load(file: nil, environment: ["URA_LISTEN__PORT": "0", "URA_ADMIN__ENABLED": "false",
                                                                                   "URA_LOG_LEVEL": "error", "URA_SCHEMAS": schemas.path],
                                                          dataDirectory: data.path)
        let daemon = try Daemon(configuration: configuration)
        _ = try daemon.start(background: false)
        let key = data.appendingPathComponent("gateway/tls.key"), certificate = data.appendingPathComponent("gateway/tls.crt")
        func fingerprint() throws -> String { try Certificate(pem: String(decoding: try Data(contentsOf: certificate), as: UTF8.self)).sha256Fingerprint }
        let original = try fingerprint()
        #expect(daemon.api.servedCertificate?.sha256Fingerprint == original)
        let originalKey = try Data(contentsOf: key)

        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: key.path)
        #expect { try daemon.reloadTLS() } throws: { "\($0)".contains("can be read by others") }
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key.path)
        try Data(contentsOf: data.appendingPathComponent("agencies/al.police.dvp-tirane/tls.key")).write(to: key)
        #expect { try daemon.reloadTLS() } throws: { "\($0)".contains("does not match") }
        #expect(daemon.api.servedCertificate?.sha256Fingerprint == original)

        try originalKey.write(to: key)
        let renewed = try await Processes.runOffPool("ura", ["admin", "renew-tls", "--data-dir", data.path, "--host", "127.0.0.1"])
        #expect(renewed.status == 0, "\(renewed)")
        let served = try daemon.reloadTLS()
        #expect(served.sha256Fingerprint == (try fingerprint()) && served.sha256Fingerprint != original)
        #expect(daemon.api.servedCertificate == served)
        await daemon.stop()
    }
}
