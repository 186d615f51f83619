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
import UraJSON
import UraModel
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestSupport
import UraTestTraits

/// Bad input over real TLS against the real urad: each gets its documented status and problem
/// type, and nothing is stored (the ledger does not grow).
@Suite(.offThePool, .serialized) struct BadInputTests {
    static let problems = "https://ura.example/problems/"

    @Test(.timeLimit(.minutes(3))) func everyBadInputGetsItsProblemAndNothingIsStored() async throws {
        let s = try await Scenario.start()
        let form = try s.example("return.found-abroad", caseReference: "AL-2026-000045")
        // One good message first, so the ledger has a signed head to compare with.
        let good = try s.seal(as: "al.mepj.mission.gr-athens", type: "return.found-abroad", to: ["al.mpb.secretariat"],
                              caseReference: "AL-2026-000045", subject: .child, form: form)
        #expect(try s.curl("al.mepj.mission.gr-athens", "POST", "/v1/messages", body: good).status == 202)
        let before = try s.ledgerSize()
        #expect(before > 0)

        func expect(_ reply: (status: Int, body: JSONValue?), _ status: Int, _ slug: String, _ sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(reply.status == status, "\(slug): got \(reply.status) \(reply.body.map { "\($0)" } ?? "")", sourceLocation: sourceLocation)
            #expect(reply.body?["type"]?.stringValue == Self.problems + slug, "\(reply.body.map { "\($0)" } ?? "no body")", sourceLocation: sourceLocation)
        }
        let mission = "al.mepj.mission.gr-athens"
        let fresh = { try s.seal(as: mission, type: "return.found-abroad", to: ["al.mpb.secretariat"], caseReference: "AL-2026-000045",
                                 subject: .child, form: form) }

        // No client certificate.
        expect(try s.curl(nil, "POST", "/v1/messages", body: try fresh()), 401, "client-certificate-required")
        // A certificate from another CA (not the gateway's).
        let stranger = try CertificateAuthority.create(commonName: "Not Ura", key: try SigningKey.generate(.es256))
        let (strangerKey, strangerCert) = try stranger.issue(commonName: mission, usage: .client)
        let strangerFiles = try Self.write(cert: strangerCert, key: strangerKey, in: s.root, name: "stranger")
        expect(try s.curl(nil, "POST", "/v1/messages", body: try fresh(), extra: ["--cert", strangerFiles.cert, "--key", strangerFiles.key]),
               403, "client-certificate-untrusted")
        // A certificate from the gateway's CA that no agency was enrolled with.
        let ca = try DemoSetup.authority(in: s.data)
        let (unknownKey, unknownCert) = try ca.issue(commonName: "al.police.not-enrolled", usage: .client)
        let unknownFiles = try Self.write(cert: unknownCert, key: unknownKey, in: s.root, name: "unknown")
        expect(try s.curl(nil, "POST", "/v1/messages", body: try fresh(), extra: ["--cert", unknownFiles.cert, "--key", unknownFiles.key]),
               403, "client-certificate-unknown")
        // Agency A's certificate with from B: signed with A's key but claiming to be B …
        let claimsB = try s.seal(as: mission, type: "return.found-abroad", to: ["al.mpb.secretariat"], caseReference: "AL-2026-000045",
                                 subject: .child, form: form) { $0["from"] = "al.mepj.mission.it-rome" }
        expect(try s.curl(mission, "POST", "/v1/messages", body: claimsB), 403, "sender-mismatch")
        // … or B's own signed message presented with A's certificate.
        let fromB = try s.seal(as: "al.mepj.mission.it-rome", type: "return.found-abroad", to: ["al.mpb.secretariat"],
                               caseReference: "AL-2026-000045", subject: .child, form: form)
        expect(try s.curl(mission, "POST", "/v1/messages", body: fromB), 422, "unknown-signing-key")
        // Malformed JSON.
        expect(try s.curl(mission, "POST", "/v1/messages", body: Array(#"{"protected": "#.utf8)), 400, "malformed-json")
        // An oversized body (over the 10 MiB cap) is refused by the HTTP layer before it is read.
        let big = s.root.appendingPathComponent("big.bin")
        try Data(count: 11 << 20).write(to: big)
        expect(try s.curl(mission, "POST", "/v1/messages", extra: ["--data-binary", "@\(big.path)", "-H", "Content-Type: application/jose+json"]),
               413, "payload-too-large")
        // Both Content-Length and Transfer-Encoding.
        let both = try Self.raw(s, agency: mission, request: "POST /v1/messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
        #expect(both.hasPrefix("HTTP/1.1 400") && both.contains(Self.problems + "bad-request"), "\(both.prefix(300))")
        // A bad signature.
        let signed = try JWS.parse(try fresh())
        var signature = try Base64URL.decode(signed.signature.signatureB64)
        signature[3] ^= 0x10
        let forged = FlattenedJWS(protected: signed.signature.protectedB64, payload: signed.payloadB64, signature: Base64URL.encode(signature))
        expect(try s.curl(mission, "POST", "/v1/messages", body: forged.serialized()), 422, "invalid-signature")
        // An unknown recipient.
        let ghost = try s.seal(as: mission, type: "return.found-abroad", to: ["al.mpb.secretariat"], caseReference: "AL-2026-000045",
                               subject: .child, form: form) { $0["to"] = ["al.mpb.secretariat", "al.police.nowhere"] }
        expect(try s.curl(mission, "POST", "/v1/messages", body: ghost), 422, "unknown-recipient")
        // A type the sender's kind may not send (a mission deciding victim status).
        let decision = try s.seal(as: "al.police.dvp-tirane", type: "return.found-abroad", to: ["al.mpb.secretariat"],
                                  caseReference: "AL-2026-000045", subject: .child, form: form)
        expect(try s.curl("al.police.dvp-tirane", "POST", "/v1/messages", body: decision), 422, "route-not-allowed")

        #expect(try s.ledgerSize() == before, "a rejected message left a trace in the ledger")
        await s.close()
    }

    @Test(.timeLimit(.minutes(3))) func aSlowLorisDoesNotStopOthersAndIsTimedOut() async throws {
        let s = try await Scenario.start(environment: ["URA_HTTP__HEADER_TIMEOUT_SECONDS": "2"])
        let mission = "al.mepj.mission.gr-athens"
        // The slow client: a TLS connection that sends the start of a request line, then nothing.
        let folder = s.agencyFolder(mission)
        let slow = try ChildProcess("/usr/bin/openssl", [
            "s_client", "-quiet", "-connect", "127.0.0.1:\(s.daemon.port)", "-CAfile", s.data.appendingPathComponent("ca/ca.crt").path,
            "-cert", folder.appendingPathComponent("tls.crt").path, "-key", folder.appendingPathComponent("tls.key").path,
        ], withInput: true)
        ChildProcess.discard(slow.errors)
        slow.input?.write(Data("GET /v1/in".utf8))
        // Meanwhile everyone else is served normally.
        for _ in 0..<20 {
            #expect(try s.curl("al.mpb.secretariat", "GET", "/v1/inbox").status == 200)
        }
        // The slow connection is answered 408 and closed once its header timeout passes (read until it closes).
        let answer = String(decoding: slow.output.readDataToEndOfFile(), as: UTF8.self)
        #expect(answer.hasPrefix("HTTP/1.1 408"), "\(answer.prefix(200))")
        try? slow.input?.close()
        slow.wait()
        await s.close()
    }

    /// A connection without an enrolled agency's certificate is of no use, so the server closes
    /// it after the 401/403 (such clients cannot hold connection slots); an agency's stays open.
    @Test(.timeLimit(.minutes(3))) func aRefusedCertificateEndsItsConnection() async throws {
        let s = try await Scenario.start()
        let inbox = "GET /v1/inbox HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
        /// The status of each response in what the server sent.
        func statuses(_ text: String) -> [Substring] {
            text.components(separatedBy: "HTTP/1.1 ").dropFirst().map { $0.prefix(3) }
        }
        // Two requests on one connection: only the first is answered, then the server closes
        // (s_client -quiet ends only when the server does).
        let anonymous = try Self.raw(s, certificate: nil, request: inbox + inbox)
        #expect(statuses(anonymous) == ["401"], "\(anonymous.prefix(600))")
        #expect(anonymous.contains("Connection: close\r\n"))

        let ca = try DemoSetup.authority(in: s.data)
        let (unknownKey, unknownCert) = try ca.issue(commonName: "al.police.not-enrolled", usage: .client)
        let unknown = try Self.write(cert: unknownCert, key: unknownKey, in: s.root, name: "unknown")
        let unenrolled = try Self.raw(s, certificate: unknown, request: inbox + inbox)
        #expect(statuses(unenrolled) == ["403"], "\(unenrolled.prefix(600))")
        #expect(unenrolled.contains("Connection: close\r\n"))

        // An enrolled agency's connection serves both; the second request asks to close.
        let enrolled = try Self.raw(s, agency: "al.mpb.secretariat",
                                    request: inbox + "GET /v1/inbox HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        #expect(statuses(enrolled) == ["200", "200"], "\(enrolled.prefix(600))")
        await s.close()
    }

    static func write(cert: Certificate, key: SigningKey, in folder: URL, name: String) throws -> (cert: String, key: String) {
        let certPath = folder.appendingPathComponent("\(name).crt").path
        let keyPath = folder.appendingPathComponent("\(name).key").path
        try Data(cert.pem.utf8).write(to: URL(fileURLWithPath: certPath))
        try key.writePrivateKey(to: keyPath)
        return (certPath, keyPath)
    }

    /// Sends raw bytes over TLS (with the agency's certificate) and returns what the server answers.
    static func raw(_ s: Scenario, agency: String, request: String) throws -> String {
        let folder = s.agencyFolder(agency)
        return try raw(s, certificate: (folder.appendingPathComponent("tls.crt").path, folder.appendingPathComponent("tls.key").path),
                       request: request)
    }

    /// Sends raw bytes over one TLS connection (with the certificate, or none) and returns all the
    /// server answers until it closes the connection.
    static func raw(_ s: Scenario, certificate: (cert: String, key: String)?, request: String) throws -> String {
        var arguments = ["s_client", "-quiet", "-connect", "127.0.0.1:\(s.daemon.port)", "-CAfile", s.data.appendingPathComponent("ca/ca.crt").path]
        if let certificate { arguments += ["-cert", certificate.cert, "-key", certificate.key] }
        return try Processes.run("/usr/bin/openssl", arguments, input: Array(request.utf8)).stdout
    }
}
