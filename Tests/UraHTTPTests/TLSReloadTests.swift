import Foundation
import Testing
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraTestSupport

/// `HTTPServer.reloadTLS` (urad's SIGHUP after `ura admin renew-tls`): connections accepted after a
/// reload get the new certificate, as the `openssl` CLI sees it; open keep-alive connections go
/// on with the old; files that cannot be used are refused and the certificate in use stays.
@Suite struct TLSReloadTests {
    private let pki = TestPKI.shared

    /// A copy of the test server's certificate and key that the test can replace.
    private final class LiveFiles: Sendable {
        let directory = NSTemporaryDirectory() + "ura-tls-reload-\(UUID().uuidString)"
        var certificate: String { directory + "/live.pem" }
        var key: String { directory + "/live.key" }

        /// A copy of `certificate` and `key` (the test server's by default).
        init(_ pki: TestPKI, certificate from: String? = nil, key fromKey: String? = nil) throws {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o700])
            try FileManager.default.copyItem(atPath: from ?? pki.serverCertificate, toPath: certificate)
            try FileManager.default.copyItem(atPath: fromKey ?? pki.serverKey, toPath: key)
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        /// A new P-256 key and a certificate from the test CA (by default a server's, for localhost
        /// and 127.0.0.1), written in place of the live pair (each file by rename, as `ura admin
        /// renew-tls` does).
        func renew(_ pki: TestPKI, commonName: String = "localhost", extensions: String = "server.ext") throws {
            let staged = directory + "/staged"
            try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", staged + ".key"])
            try openssl(["req", "-new", "-key", staged + ".key", "-subj", "/CN=\(commonName)", "-out", staged + ".csr"])
            try openssl(["x509", "-req", "-in", staged + ".csr", "-CA", pki.caCertificate, "-CAkey", pki.directory + "/ca.key",
                         "-set_serial", "\(Int.random(in: 1_000_000...9_999_999))", "-days", "30",
                         "-out", staged + ".pem", "-extfile", pki.directory + "/" + extensions])
            guard rename(staged + ".key", key) == 0, rename(staged + ".pem", certificate) == 0 else {
                throw TestFailure("cannot move the renewed files into place: \(String(cString: strerror(errno)))")
            }
        }
    }

    private static func openssl(_ arguments: [String]) throws {
        let result = try runProcess("/usr/bin/openssl", arguments)
        guard result.status == 0 else { throw TestFailure("openssl \(arguments.first ?? "") failed: \(result.standardError)") }
    }

    /// What a new connection to `port` is served, verified against the test CA.
    private func served(port: Int) async throws -> String {
        let caFile = pki.caCertificate
        guard let served = try await blocking({ try OpenSSLFingerprint.served(port: port, caFile: caFile) }) else {
            throw TestFailure("openssl s_client found no verified certificate on port \(port)")
        }
        return served
    }

    private func fingerprint(ofFile path: String) async throws -> String {
        try await blocking { try OpenSSLFingerprint.ofCertificateFile(path) }
    }

    @Test func newConnectionsGetTheReloadedCertificateAndOpenOnesKeepWorking() async throws {
        let files = try LiveFiles(pki)
        let tls = TLSConfiguration(certificateChain: .file(files.certificate), privateKey: .file(files.key),
                                   clientCertificateAuthorities: .file(pki.caCertificate))
        try await withServer({ $0.tls = tls }, handler: { _ in HTTPResponse(status: 200, contentType: "text/plain", body: "ok") }) { server, port in
            let (pki, caFile) = (pki, pki.caCertificate)
            let first = try await fingerprint(ofFile: files.certificate)
            #expect(server.servedCertificate?.sha256Fingerprint == first)
            #expect(try await served(port: port) == first)

            // A keep-alive connection made before the renewal.
            let open = try RawClient(port: port, tls: .init(caFile: caFile))
            let request = "GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n"
            try open.send(request)
            #expect(try await blocking { try open.readResponse() }.status == 200)

            try await blocking { try files.renew(pki) }
            let renewed = try await fingerprint(ofFile: files.certificate)
            #expect(renewed != first)
            // Until the reload, the files changed but what is served did not.
            #expect(try await served(port: port) == first)

            let reloaded = try server.reloadTLS()
            #expect(reloaded.sha256Fingerprint == renewed)
            #expect(reloaded.notAfter.map { $0 > Date() && $0 < Date().addingTimeInterval(31 * 86400) } == true)
            #expect(server.servedCertificate == reloaded)
            #expect(try await served(port: port) == renewed)
            let result = try await curl(["-o", "/dev/null", "-w", "%{http_code}", "https://localhost:\(port)/ping"])
            #expect(result.status == 0 && result.outputText == "200", "\(result.standardError)")
            // The connection made before goes on with the old context.
            try open.send(request)
            #expect(try await blocking { try open.readResponse() }.status == 200)
        }
    }

    /// A key that does not match the certificate (a renewal interrupted between its two files) and
    /// a file that is not a certificate are refused, and the server serves what it served.
    @Test func filesThatCannotBeUsedAreRefusedAndTheCertificateInUseStays() async throws {
        let files = try LiveFiles(pki)
        let tls = TLSConfiguration(certificateChain: .file(files.certificate), privateKey: .file(files.key),
                                   clientCertificateAuthorities: .file(pki.caCertificate))
        try await withServer({ $0.tls = tls }, handler: { _ in HTTPResponse(status: 204) }) { server, port in
            let original = try await fingerprint(ofFile: files.certificate)
            let originalKey = try Data(contentsOf: URL(fileURLWithPath: files.key))
            let originalCertificate = try Data(contentsOf: URL(fileURLWithPath: files.certificate))

            try FileManager.default.removeItem(atPath: files.key)
            try FileManager.default.copyItem(atPath: pki.clientKey, toPath: files.key)
            #expect {
                try server.reloadTLS()
            } throws: { error in
                guard case .tls(let reason) = error as? HTTPServerError else { return false }
                return "\(reason)".contains("does not match")
            }
            #expect(server.servedCertificate?.sha256Fingerprint == original)
            #expect(try await served(port: port) == original)

            try originalKey.write(to: URL(fileURLWithPath: files.key))
            try Data("not a certificate\n".utf8).write(to: URL(fileURLWithPath: files.certificate))
            #expect(throws: HTTPServerError.self) { try server.reloadTLS() }
            try originalCertificate.write(to: URL(fileURLWithPath: files.certificate))
            #expect(try await served(port: port) == original)

            // With the files mended, a reload succeeds again.
            #expect(try server.reloadTLS().sha256Fingerprint == original)
        }
    }

    @Test func aServerWithoutTLSOrNotRunningHasNothingToReload() async throws {
        try await withServer(tls: false, handler: { _ in HTTPResponse(status: 204) }) { server, _ in
            #expect(throws: HTTPServerError.notRunningWithTLS) { try server.reloadTLS() }
            #expect(server.servedCertificate == nil)
        }
        let notStarted = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0, tls: pki.serverTLS()),
                                    handler: { _ in HTTPResponse(status: 204) })
        #expect(throws: HTTPServerError.notRunningWithTLS) { try notStarted.reloadTLS() }
    }

    /// The other side of a renewal: urad's push client gives its certificate and key as files, and
    /// libcurl reads them for each connection it opens, so a renewed pair is presented from the
    /// next new connection on, with no reload; a connection already open keeps the old one.
    @Test func theClientPresentsARenewedCertificateFromItsNextConnection() async throws {
        let files = try LiveFiles(pki, certificate: pki.clientCertificate, key: pki.clientKey)
        let client = HTTPClient(configuration: HTTPClientConfiguration(clientCertificate: .file(files.certificate), clientKey: .file(files.key),
                                                                       trustedAuthorities: .file(pki.caCertificate)))
        defer { client.shutdown() }
        func presented(_ port: Int) async throws -> (commonName: String?, reused: Bool) {
            let response = try await client.send(HTTPClientRequest(method: "POST", url: "https://localhost:\(port)/push", body: [1]))
            return (fields(String(decoding: response.body, as: UTF8.self))["peer.cn"], response.reusedConnection)
        }
        try await withServer(handler: echoHandler) { _, first in
            let before = try await presented(first)
            #expect(before.commonName == "al.police.test" && !before.reused)
            try await blocking { [pki] in try files.renew(pki, commonName: "al.police.renewed", extensions: "client.ext") }
            let renewed = try await withServer(handler: echoHandler) { _, second in try await presented(second) }
            #expect(renewed.commonName == "al.police.renewed" && !renewed.reused)
            let open = try await presented(first)
            #expect(open.commonName == "al.police.test" && open.reused)
        }
    }
}
