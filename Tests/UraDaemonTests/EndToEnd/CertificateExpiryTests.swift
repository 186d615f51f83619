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

/// A client certificate verified at the handshake stays open on keep-alive; its validity is
/// checked again on every request against the gateway's clock (a test clock here, moved instead
/// of waited for), so one that expires meanwhile is refused from then on and its connection closed.
@Suite(.offThePool) struct CertificateExpiryTests {
    /// One TLS connection with `openssl s_client`: send a request, read its whole response, repeat.
    final class Connection: @unchecked Sendable {
        let process: ChildProcess
        private var received = ""

        init(port: Int, ca: URL, cert: URL, key: URL) throws {
            process = try ChildProcess("/usr/bin/openssl", ["s_client", "-quiet", "-connect", "127.0.0.1:\(port)", "-CAfile", ca.path,
                                                            "-cert", cert.path, "-key", key.path], withInput: true)
            ChildProcess.discard(process.errors)
        }

        /// Sends a GET and returns the response (head and body) once all of it arrived; nil if the
        /// server closed the connection first.
        func get(_ path: String) throws -> String? {
            process.input?.write(Data("GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".utf8))
            while true {
                if let end = received.range(of: "\r\n\r\n") {
                    let head = received[..<end.lowerBound]
                    let length = head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                        .flatMap { Int($0.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) } ?? 0
                    let body = received[end.upperBound...]
                    if body.utf8.count >= length {
                        let cut = received.utf8.index(end.upperBound, offsetBy: length)
                        defer { received = String(received[cut...]) }
                        return String(received[..<cut])
                    }
                }
                let chunk = process.output.availableData
                if chunk.isEmpty { return nil }
                received += String(decoding: chunk, as: UTF8.self)
            }
        }

        /// Ends the connection: waits for the server to close it when the last response said it
        /// would (true once it did), else ends s_client itself (false).
        func finish(after response: String?) -> Bool {
            guard response?.contains("Connection: close\r\n") == true else {
                // SIGKILL: a child spawned from a test's thread may start with SIGTERM blocked.
                process.signal(SIGKILL)
                process.wait()
                return false
            }
            while !process.output.availableData.isEmpty {}
            try? process.input?.close()
            return process.wait() == 0
        }
    }

    @Test(.timeLimit(.minutes(3))) func aCertificateThatExpiresDuringItsConnectionIsRefusedFromThenOn() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-expiry-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        let data = root.appendingPathComponent("data")
        let clock = TestClock(Date())
        try DemoSetup.create(in: data, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura", gatewayURL: "https://127.0.0.1:1",
                             now: clock.now)
        let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../Schemas").standardized
        let configuration = try GatewayConfiguration.load(file: nil, environment: ["URA_LISTEN__PORT": "0", "URA_ADMIN__ENABLED": "false",
                                                                                   "URA_LOG_LEVEL": "error", "URA_SCHEMAS": schemas.path],
                                                          dataDirectory: data.path)
        let daemon = try Daemon(configuration: configuration, clock: clock)
        let port = try daemon.start(background: false)
        let folder = data.appendingPathComponent("agencies/al.mpb.secretariat")
        let cert = folder.appendingPathComponent("tls.crt"), key = folder.appendingPathComponent("tls.key")
        let certificate = try Certificate(pem: String(decoding: try Data(contentsOf: cert), as: UTF8.self))
        let ca = data.appendingPathComponent("ca/ca.crt")

        let (first, second, closed) = try await Processes.offPool {
            let connection = try Connection(port: port, ca: ca, cert: cert, key: key)
            let first = try connection.get("/v1/inbox")
            // The certificate's last second passes while the connection stays open.
            clock.set(certificate.notAfter)
            let second = try connection.get("/v1/inbox")
            return (first, second, connection.finish(after: second))
        }
        #expect(first?.hasPrefix("HTTP/1.1 200 ") == true, "\(first ?? "closed")")
        let refused = try #require(second)
        #expect(refused.hasPrefix("HTTP/1.1 403 ") && refused.contains("Connection: close\r\n"), "\(refused)")
        #expect(refused.contains("client-certificate-untrusted") && refused.contains("it has expired"), "\(refused)")
        #expect(closed)

        // A new connection: the handshake (on the real clock) verifies it, the gateway's clock does not.
        /// A response on a connection of its own, which the server then closes.
        @Sendable func once() throws -> String? {
            let connection = try Connection(port: port, ca: ca, cert: cert, key: key)
            let response = try connection.get("/v1/inbox")
            _ = connection.finish(after: response)
            return response
        }
        let again = try await Processes.offPool(once)
        #expect(again?.hasPrefix("HTTP/1.1 403 ") == true && again?.contains("it has expired") == true, "\(again ?? "closed")")
        // And before its first second, the same.
        clock.set(certificate.notBefore.addingTimeInterval(-1))
        let early = try await Processes.offPool(once)
        #expect(early?.hasPrefix("HTTP/1.1 403 ") == true && early?.contains("it is not valid yet") == true, "\(early ?? "closed")")
        await daemon.stop()
    }
}
