import Foundation
import Testing
import UraHTTPCore
import UraHTTPServer
import UraTestSupport
import UraHTTPTestSupport
import UraTestTraits

/// `HTTPServer.reloadTLS` (urad's SIGHUP after `ura admin renew-tls`): connections accepted after a
/// reload get the new certificate, as the `openssl` CLI sees it; open keep-alive connections go
/// on with the old; files that cannot be used are refused and the certificate in use stays.
@Suite(.offThePool) struct TLSReloadTests {
    private let pki = TestPKI.shared

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
        let files = try LiveCertificateFiles(pki)
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
        let files = try LiveCertificateFiles(pki)
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
}
