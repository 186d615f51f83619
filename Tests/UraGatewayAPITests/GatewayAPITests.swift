import Foundation
import Synchronization
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

/// The API's answers as the handler gives them (the HTTP layer is tested in UraHTTPServerTests and the
/// whole over TLS in the end-to-end suites).
@Suite struct GatewayAPITests {
    /// The lines the gateway logged.
    final class LogLines: Sendable {
        private let lines = Mutex<[String]>([])
        var all: [String] { lines.withLock { $0 } }
        func append(_ line: [UInt8]) { lines.withLock { $0.append(String(decoding: line, as: UTF8.self)) } }
    }

    /// The API over the fixture's store, logging into `log`.
    private func api(_ f: GatewayFixture, log lines: LogLines = LogLines()) -> GatewayAPI {
        let log = Logger(minimum: .debug, clock: f.clock) { lines.append($0) }
        let gateway = Gateway(store: f.store, directory: f.book, catalogue: f.catalogue, signer: f.signer,
                              transport: ScriptedTransport([], default: .fail("unused")), clock: f.clock, calendar: f.calendar,
                              events: GatewayEvents(metrics: f.metrics, log: log))
        return GatewayAPI(gateway: gateway)
    }

    private func get(_ path: String, peer: PeerCertificate? = nil) -> HTTPRequest {
        HTTPRequest(method: "GET", target: path, path: path, peer: peer)
    }

    @Test func readinessFailureKeepsTheStoreErrorInTheLog() async throws {
        let f = try GatewayFixture()
        let lines = LogLines()
        let api = api(f, log: lines)
        #expect(await api.handle(get("/readyz")).status == 200)

        // Closed and its file gone: the next read cannot open the database.
        f.store.close()
        for suffix in ["", "-wal", "-shm"] {
            try? FileManager.default.removeItem(at: f.directoryURL.appendingPathComponent("ura.sqlite\(suffix)"))
        }
        let response = await api.handle(get("/readyz"))
        #expect(response.status == 503)
        let detail = try #require(try JSONValue(parsing: response.body)["detail"]?.stringValue)
        #expect(detail.hasPrefix("the store cannot be read"))
        #expect(!detail.lowercased().contains("sqlite") && !detail.contains("SELECT"), "\(detail)")
        let logged = lines.all.filter { $0.contains("api.store_unreadable") }
        #expect(logged.count == 1)
        #expect(logged.first?.contains("\"level\":\"error\"") == true, "\(logged)")
    }

    @Test func refusedCertificatesAreAnsweredWithConnectionClose() async throws {
        let f = try GatewayFixture()
        let api = api(f)
        let stranger = PeerCertificate(sha256Fingerprint: String(repeating: "a", count: 64), spkiSHA256: String(repeating: "b", count: 64),
                                       subjectCommonName: "al.stranger", chainVerified: false, verificationError: "unable to get local issuer certificate",
                                       verificationFailure: .untrustedIssuer)
        let unknown = PeerCertificate(sha256Fingerprint: String(repeating: "c", count: 64), spkiSHA256: String(repeating: "d", count: 64),
                                      subjectCommonName: "al.police.unknown", chainVerified: true, verificationError: nil, verificationFailure: nil)
        for (peer, status) in [(nil, 401), (stranger, 403), (unknown, 403)] as [(PeerCertificate?, Int)] {
            let response = await api.handle(get("/v1/inbox", peer: peer))
            #expect(response.status == status)
            #expect(response.headers["Connection"] == "close", "\(status) for \(peer?.subjectCommonName ?? "no certificate")")
        }
        // Unauthenticated routes keep the connection.
        #expect(await api.handle(get("/healthz")).headers["Connection"] == nil)
    }
}
