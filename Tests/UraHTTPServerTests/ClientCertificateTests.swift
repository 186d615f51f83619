import Foundation
import Testing
import COpenSSL
import UraHTTPCore
import UraHTTPServer
import UraTestSupport
import UraHTTPTestSupport
import UraTestTraits

/// Client certificates are requested, verified against the configured CA, never fatal to the
/// handshake, and reported per request with hashes that match what the `openssl` CLI computes.
@Suite(.offThePool) struct ClientCertificateTests {
    private let pki = TestPKI.shared

    private func peer(certificate: String? = nil, key: String? = nil, askForCertificates: Bool = true) async throws -> PeerCertificate? {
        let seen = Locked<PeerCertificate?>(nil)
        let tls = pki.serverTLS(askForClientCertificates: askForCertificates)
        try await withServer({ $0.tls = tls }, handler: { request in
            seen.set(request.peer)
            return HTTPResponse(status: 204)
        }) { _, port in
            var arguments = ["-o", "/dev/null", "-w", "%{http_code}", "https://localhost:\(port)/v1/whoami"]
            if let certificate, let key { arguments += ["--cert", certificate, "--key", key] }
            let result = try await curl(arguments)
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.outputText == "204")
        }
        return seen.value
    }

    @Test func noCertificateMeansNoPeer() async throws {
        #expect(try await peer() == nil)
    }

    @Test func certificateFromTheCAIsVerifiedWithMatchingHashes() async throws {
        let peer = try #require(try await peer(certificate: pki.clientCertificate, key: pki.clientKey))
        #expect(peer.chainVerified)
        #expect(peer.verificationError == nil)
        #expect(peer.verificationFailure == nil)
        #expect(peer.subjectCommonName == "al.police.test")

        let expectedFingerprint = try await blocking { [pki] in try OpenSSLFingerprint.ofCertificateFile(pki.clientCertificate) }
        #expect(peer.sha256Fingerprint == expectedFingerprint)

        let spki = try await blocking { [pki] in
            try runProcess("/bin/sh", ["-c", "openssl x509 -in '\(pki.clientCertificate)' -noout -pubkey | openssl pkey -pubin -outform DER | sha256sum"])
        }
        let expectedSPKI = spki.outputText.split(separator: " ").first.map(String.init)
        #expect(peer.spkiSHA256 == expectedSPKI)
        #expect(peer.spkiSHA256.count == 64 && peer.spkiSHA256 != peer.sha256Fingerprint)
    }

    /// Read once at the handshake, so the application can check them again on a later request.
    @Test func validityDatesAreTheCertificatesAsOpenSSLPrintsThem() async throws {
        let peer = try #require(try await peer(certificate: pki.clientCertificate, key: pki.clientKey))
        let dates = try await blocking { [pki] in
            try runProcess("/usr/bin/openssl", ["x509", "-in", pki.clientCertificate, "-noout", "-dates", "-dateopt", "iso_8601"])
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss'Z'"
        var printed: [String: Date] = [:]
        for line in dates.outputText.split(separator: "\n") {
            let parts = line.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { printed[String(parts[0])] = formatter.date(from: String(parts[1])) }
        }
        #expect(peer.notBefore != nil && peer.notBefore == printed["notBefore"], "\(dates.outputText)")
        #expect(peer.notAfter != nil && peer.notAfter == printed["notAfter"], "\(dates.outputText)")
        let notAfter = try #require(peer.notAfter)
        #expect(peer.isValid(at: notAfter.addingTimeInterval(-1)))
        #expect(!peer.isValid(at: notAfter))
        #expect(!peer.isValid(at: try #require(peer.notBefore).addingTimeInterval(-1)))
    }

    @Test func certificateFromAnotherCAIsReportedUntrusted() async throws {
        let peer = try #require(try await peer(certificate: pki.strangerCertificate, key: pki.strangerKey))
        #expect(!peer.chainVerified)
        #expect(peer.verificationFailure == .untrustedIssuer)
        #expect(peer.verificationError?.contains("issuer") == true, "\(peer.verificationError ?? "nil")")
        #expect(peer.subjectCommonName == "al.stranger.test")
    }

    @Test func expiredCertificateIsReportedExpired() async throws {
        let peer = try #require(try await peer(certificate: pki.expiredCertificate, key: pki.expiredKey))
        #expect(!peer.chainVerified)
        #expect(peer.verificationFailure == .expired)
        #expect(peer.verificationError == "certificate has expired")
    }

    /// Verifying this certificate leaves an error on the loop thread's OpenSSL queue; the
    /// connection's next SSL_read must not take it for its own failure.
    @Test func certificateThatLeavesAnOpenSSLErrorBehindIsReportedAndServed() async throws {
        let response = try await withServer(handler: echoHandler) { _, port in
            try await blocking { [pki] in
                let client = try RawClient(port: port, tls: .init(caFile: pki.caCertificate, certificateFile: pki.malformedCertificate,
                                                                  keyFile: pki.malformedKey))
                try client.send("GET /malformed HTTP/1.1\r\nHost: a\r\n\r\n")
                return try client.readResponse()
            }
        }
        #expect(response.status == 200)
        let seen = fields(response.bodyText)
        #expect(seen["peer.cn"] == "al.malformed.test")
        #expect(seen["peer.verified"] == "false")
    }

    /// A resumed session would carry the first handshake's verdict on the certificate, so one that
    /// expired since would stay accepted: every connection verifies afresh.
    @Test(arguments: [TLS1_2_VERSION, TLS1_3_VERSION])
    func sessionsAreNotResumed(maximumVersion: Int32) async throws {
        let (first, second) = try await withServer(handler: echoHandler) { [pki] _, port in
            try await blocking {
                let options = RawClient.TLSOptions(caFile: pki.caCertificate, certificateFile: pki.clientCertificate, keyFile: pki.clientKey,
                                                   maximumVersion: maximumVersion)
                let first = try RawClient(port: port, tls: options)
                try first.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
                _ = try first.readResponse()
                var resuming = options
                resuming.session = first.session()
                let second = try RawClient(port: port, tls: resuming)
                try second.send("GET /second HTTP/1.1\r\nHost: a\r\n\r\n")
                return (first.resumedSession, (second.resumedSession, fields(try second.readResponse().bodyText)))
            }
        }
        #expect(!first && !second.0)
        #expect(second.1["peer.verified"] == "true")
    }

    @Test func serverWithoutClientCAsDoesNotAskForACertificate() async throws {
        #expect(try await peer(certificate: pki.clientCertificate, key: pki.clientKey, askForCertificates: false) == nil)
    }

    @Test func inMemoryPEMWorksLikeFiles() async throws {
        let tls = TLSConfiguration(certificateChain: .bytes(pki.bytes(pki.serverCertificate)), privateKey: .bytes(pki.bytes(pki.serverKey)),
                                   clientCertificateAuthorities: .bytes(pki.bytes(pki.caCertificate)))
        let seen = Locked<PeerCertificate?>(nil)
        try await withServer({ $0.tls = tls }, handler: { request in
            seen.set(request.peer)
            return HTTPResponse(status: 204)
        }) { _, port in
            let result = try await curl(["--cert", pki.clientCertificate, "--key", pki.clientKey, "https://localhost:\(port)/"])
            #expect(result.status == 0, "\(result.standardError)")
        }
        #expect(seen.value?.chainVerified == true)
    }

    @Test func unusableTLSMaterialFailsStartWithAReadableError() throws {
        let missing = HTTPServer(configuration: .init(tls: TLSConfiguration(certificateChain: .file("/nonexistent/server.pem"),
                                                                            privateKey: .file(pki.serverKey))),
                                 handler: { _ in HTTPResponse(status: 200) })
        #expect(throws: HTTPServerError.self) { try missing.start() }
        do { try missing.start() } catch { #expect("\(error)".contains("/nonexistent/server.pem")) }

        let mismatched = HTTPServer(configuration: .init(tls: TLSConfiguration(certificateChain: .file(pki.serverCertificate),
                                                                               privateKey: .file(pki.clientKey))),
                                    handler: { _ in HTTPResponse(status: 200) })
        do {
            try mismatched.start()
            Issue.record("a key that does not match the certificate was accepted")
        } catch {
            #expect("\(error)".contains("does not match"))
            #expect(!"\(error)".contains("BEGIN"))
        }
    }
}
