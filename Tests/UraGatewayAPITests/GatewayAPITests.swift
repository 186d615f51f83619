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
import UraBasics
import UraCrypto
@testable import UraStoreSQLite
import UraTestTraits

/// The API's answers as the handler gives them (the HTTP layer is tested in UraHTTPServerTests and the
/// whole over TLS in the end-to-end suites).
@Suite(.offThePool) struct GatewayAPITests {
    /// The lines the gateway logged.
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

    /// A message row edited behind the gateway's back: its status is withheld (503, no forged
    /// values), and `/readyz` goes red naming the reason, as it does after a failed verification.
    @Test func aTamperedMessageRowIsWithheldAndTurnsReadinessRed() async throws {
        let f = try GatewayFixture()
        let sent = try await f.submit(try f.message(from: f.police, to: [f.secretariat], caseReference: "AL-2026-000041"), as: f.police)
        let lines = LogLines()
        #expect(await api(f, log: lines).handle(get("/readyz")).status == 200)
        f.store.close()
        let db = try SQLiteConnection(path: f.store.path)
        try db.run("UPDATE messages SET type = 'referral', case_ref = 'AL-2026-000099' WHERE id = ?", [.text(sent.messageID.rawValue)])
        try f.reopen()

        let api = try pinnedAPI(f, log: lines)
        let status = await api.handle(request("GET", "/v1/messages/\(sent.messageID)", as: f.police))
        #expect(status.status == 503)
        let body = String(decoding: status.body, as: UTF8.self)
        #expect(body.contains("withheld") && !body.contains("AL-2026-000099") && !body.contains("referral"), "\(body)")
        let ready = await api.handle(get("/readyz"))
        #expect(ready.status == 503)
        let detail = try #require(try JSONValue(parsing: ready.body)["detail"]?.stringValue)
        #expect(detail.contains("withheld") && detail.contains("case is"), "\(detail)")
        #expect(lines.all.contains { $0.contains("message.integrity_failed") && $0.contains("\"level\":\"error\"") })
        // The case timeline does not list it under the forged case with the forged type.
        let timeline = await api.handle(request("GET", "/v1/cases/AL-2026-000099/timeline", as: f.secretariat))
        let events = try #require(try JSONValue(parsing: timeline.body)["events"]?.arrayValue, "\(String(decoding: timeline.body, as: UTF8.self))")
        #expect(events.contains { $0["event"] == "message.withheld" } && !events.contains { $0["event"] == "message.accepted" }, "\(events)")

        // The periodic verification (at start and every hour) finds it without anyone asking.
        let fresh = try pinnedAPI(f)
        #expect(await fresh.handle(get("/readyz")).status == 200)
        fresh.gateway.ledgerVerifications.run(fresh.gateway.ledger, at: f.clock.now, events: fresh.gateway.events)
        let red = await fresh.handle(get("/readyz"))
        let redDetail = try #require(try JSONValue(parsing: red.body)["detail"]?.stringValue)
        #expect(red.status == 503 && redDetail.contains("ledger verification") && redDetail.contains("type is"), "\(redDetail)")
    }

    // MARK: The route table

    /// The API over the fixture's store with every agency's certificate pinned in the directory,
    /// so that `peer(_:)` authenticates as that agency.
    private func pinnedAPI(_ f: GatewayFixture, log lines: LogLines = LogLines()) throws -> GatewayAPI {
        var directory = f.book.snapshot.directory
        for var agency in directory.agencies {
            agency.certificates = [CertificatePin(sha256: Self.fingerprint(agency.id))]
            directory.upsert(agency)
        }
        let gateway = Gateway(store: f.store, directory: DirectoryBook(try DirectorySnapshot(directory)), catalogue: f.catalogue, signer: f.signer,
                              transport: ScriptedTransport([], default: .fail("unused")), clock: f.clock, calendar: f.calendar,
                              events: GatewayEvents(metrics: f.metrics, log: Logger(minimum: .debug, clock: f.clock) { lines.append($0) }))
        return GatewayAPI(gateway: gateway)
    }

    private static func fingerprint(_ id: AgencyID) -> String { Hex.encode(SHA256.hash(Array(id.rawValue.utf8))) }

    /// The verified client certificate of `agency`.
    private func peer(_ agency: TestAgency) -> PeerCertificate {
        PeerCertificate(sha256Fingerprint: Self.fingerprint(agency.id), spkiSHA256: String(repeating: "0", count: 64),
                        subjectCommonName: agency.id.rawValue, chainVerified: true, verificationError: nil, verificationFailure: nil)
    }

    private func request(_ method: String, _ path: String, as agency: TestAgency?) -> HTTPRequest {
        HTTPRequest(method: method, target: path, path: path, peer: agency.map(peer))
    }

    /// A path the API knows, asked with a method it does not take there: 405 method-not-allowed,
    /// and `Allow` says what it takes (before the table, `POST /v1/ledger/checkpoint` was a 404).
    @Test func aKnownPathWithAnotherMethodAnswers405WithAllow() async throws {
        let f = try GatewayFixture()
        let api = try pinnedAPI(f)
        let id = MessageID.random()
        let cases: [(method: String, path: String, allow: String, as: TestAgency?)] = [
            ("POST", "/v1/ledger/checkpoint", "GET", f.police), ("POST", "/v1/ledger/proof", "GET", f.police),
            ("DELETE", "/v1/agencies/al.police.dvp-tirane/keys", "GET", f.police), ("PUT", "/v1/messages", "POST", f.police),
            ("GET", "/v1/messages", "POST", f.police), ("DELETE", "/v1/messages/\(id)", "GET", f.police),
            ("GET", "/v1/inbox/\(id)/ack", "POST", f.shelter), ("POST", "/v1/inbox", "GET", f.shelter),
            ("GET", "/v1/declarations", "POST", f.police), ("POST", "/v1/stats", "GET", f.committee),
            ("DELETE", "/v1/monitor/overview", "GET", f.secretariat), ("GET", "/v1/monitor/ledger/verify", "POST", f.secretariat),
            ("GET", "/v1/monitor/dead-letters/\(id)/al.shelter.qkpvt/redrive", "POST", f.secretariat),
            ("POST", "/healthz", "GET", nil), ("DELETE", "/readyz", "GET", nil),
        ]
        for c in cases {
            let response = await api.handle(request(c.method, c.path, as: c.as))
            let body = try JSONValue(parsing: response.body)
            #expect(response.status == 405, "\(c.method) \(c.path)")
            #expect(response.headers["Allow"] == c.allow, "\(c.method) \(c.path)")
            #expect(body["type"] == "https://ura.example/problems/method-not-allowed", "\(c.method) \(c.path)")
            #expect(body["detail"]?.stringValue == "\(c.method) is not allowed on \(RequestPath(c.path)); use \(c.allow)", "\(c.method) \(c.path)")
            #expect(response.headers["Content-Type"] == "application/problem+json")
        }
    }

    /// Every route of the table, asked with a method no route of its path takes: 405, and `Allow`
    /// lists exactly the methods the table has for that path.
    @Test func everyRoutedPathListsItsMethodsInAllow() async throws {
        let f = try GatewayFixture()
        let api = try pinnedAPI(f)
        for route in GatewayAPI.routes {
            let path = "/" + route.pattern.segments.map { segment in
                switch segment {
                case .literal(let text): text
                case .parameter: "x"
                }
            }.joined(separator: "/")
            let methods = GatewayAPI.routes.filter { $0.pattern == route.pattern }.map(\.method)
            let response = await api.handle(request("PATCH", path, as: f.secretariat))
            #expect(response.status == 405 && response.headers["Allow"] == methods.joined(separator: ", "), "PATCH \(route.pattern)")
        }
    }

    /// An unknown path is a 404 not-found; under /v1 only once the certificate is accepted, so a
    /// stranger learns nothing of the routes and its connection is closed.
    @Test func unknownPathsAnswer404AndStrangersStillNeedACertificate() async throws {
        let f = try GatewayFixture()
        let api = try pinnedAPI(f)
        for (path, detail) in [("/v1/nowhere", "there is no GET /v1/nowhere; see Schemas/openapi.json"),
                               ("/v1/messages/a/b", "there is no GET /v1/messages/a/b; see Schemas/openapi.json"),
                               ("/v1/monitor/nowhere", "there is no GET /v1/monitor/nowhere; see Schemas/openapi.json"),
                               ("/nowhere", "there is nothing at /nowhere; the API is under /v1")] {
            let response = await api.handle(request("GET", path, as: f.secretariat))
            let body = try JSONValue(parsing: response.body)
            #expect(response.status == 404 && body["type"] == "https://ura.example/problems/not-found", "\(path)")
            #expect(body["detail"]?.stringValue == detail)
            #expect(response.headers["Allow"] == nil)
        }
        for (method, path) in [("GET", "/v1/nowhere"), ("POST", "/v1/ledger/checkpoint")] {
            let stranger = await api.handle(request(method, path, as: nil))
            #expect(stranger.status == 401 && stranger.headers["Connection"] == "close", "\(method) \(path)")
        }
    }

    /// A regional committee's certificate reads /v1/stats and is refused every other route; the
    /// secretariat's routes refuse other agencies; statistics refuse agencies that are neither.
    @Test func theCommitteeRestrictionAndTheRolesHoldOnEveryRoute() async throws {
        let f = try GatewayFixture()
        let api = try pinnedAPI(f)
        var refused = 0
        for route in GatewayAPI.routes where route.access != .anyone && !route.access.admitsCommittees {
            let path = "/" + route.pattern.segments.map { segment in
                switch segment {
                case .literal(let text): text
                case .parameter: "x"
                }
            }.joined(separator: "/")
            let response = await api.handle(request(route.method, path, as: f.committee))
            let body = try JSONValue(parsing: response.body)
            #expect(response.status == 403 && body["type"] == "https://ura.example/problems/forbidden", "\(route)")
            #expect(body["detail"]?.stringValue == "a regional committee's certificate reads /v1/stats only", "\(route)")
            refused += 1
        }
        #expect(refused == GatewayAPI.routes.count - 3)  // all but /healthz, /readyz and /v1/stats
        #expect(await api.handle(request("GET", "/v1/stats", as: f.committee)).status == 200)
        #expect(await api.handle(request("GET", "/v1/stats", as: f.secretariat)).status == 200)
        let police = await api.handle(request("GET", "/v1/stats", as: f.police))
        let policeDetail = try JSONValue(parsing: police.body)["detail"]?.stringValue
        #expect(police.status == 403 && policeDetail == "statistics are for the regional committees and the secretariat")
        for (path, purpose) in [("/v1/monitor/overview", "read the delivery monitor"), ("/v1/cases/AL-2026-000042/timeline", "follow a case"),
                                ("/v1/cases/AL-2026-000042/declarations", "read the declarations of a case")] {
            let response = await api.handle(request("GET", path, as: f.police))
            let detail = try JSONValue(parsing: response.body)["detail"]?.stringValue
            #expect(response.status == 403 && detail == "only the secretariat may \(purpose)", "\(path)")
            #expect(await api.handle(request("GET", path, as: f.secretariat)).status == 200, "\(path)")
        }
    }

    /// A message is a JWS: a body sent as JSON or without a media type is refused with 415 before
    /// intake reads it, and the same bytes as application/jose+json are accepted.
    @Test func aMessageMustBeSentAsApplicationJoseJSON() async throws {
        let f = try GatewayFixture()
        let api = try pinnedAPI(f)
        let message = try f.message(from: f.police, to: [f.secretariat])
        func post(_ contentType: String?) -> HTTPRequest {
            HTTPRequest(method: "POST", target: "/v1/messages", path: "/v1/messages",
                        headers: HTTPHeaders(contentType.map { [("Content-Type", $0)] } ?? []), body: message, peer: peer(f.police))
        }
        for contentType in ["application/json", "text/plain", nil] {
            let response = await api.handle(post(contentType))
            let problem = try JSONValue(parsing: response.body)
            #expect(response.status == 415 && problem["type"] == "https://ura.example/problems/unsupported-media-type",
                    "\(contentType ?? "none"): \(response.status) \(problem)")
        }
        #expect(await api.handle(post("application/jose+json; charset=utf-8")).status == 202)
    }

    /// A filter left blank (`case=` from a form) means no filter, not a bad case reference.
    @Test func anEmptyMonitorFilterMeansNoFilter() async throws {
        let f = try GatewayFixture()
        let api = try pinnedAPI(f)
        _ = try await f.submit(try f.message(from: f.police, to: [f.secretariat]), as: f.police)
        let request = HTTPRequest(method: "GET", target: "/v1/monitor/messages?case=&type=&agency=", path: "/v1/monitor/messages",
                                  query: [("case", ""), ("type", ""), ("agency", "")], peer: peer(f.secretariat))
        let response = await api.handle(request)
        #expect(response.status == 200)
        #expect(try JSONValue(parsing: response.body)["messages"]?.arrayValue?.count == 1)
    }
}
