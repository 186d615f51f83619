import Foundation
import Testing
import UraHTTPCore
import UraHTTPServer
import UraHTTPTestSupport
import UraTestTraits

/// The server against the real `curl` CLI over TLS on 127.0.0.1.
@Suite(.offThePool) struct CurlRoundTripTests {
    @Test func getWithQueryReachesTheHandler() async throws {
        try await withServer(handler: echoHandler) { _, port in
            let result = try await curl(["https://localhost:\(port)/v1/status?name=al%20police&x=1"])
            #expect(result.status == 0, "\(result.standardError)")
            let seen = fields(result.outputText)
            #expect(seen["method"] == "GET")
            #expect(seen["path"] == "/v1/status")
            #expect(seen["query.name"] == "al police")
            #expect(seen["query.x"] == "1")
            #expect(seen["peer"] == "none")
        }
    }

    @Test(arguments: [4 * 1024, 1024 * 1024])
    func postBodyArrivesIntact(size: Int) async throws {
        let body = testBytes(size)
        let file = try temporaryFile(body)
        try await withServer(handler: echoHandler) { _, port in
            let result = try await curl(["--data-binary", "@\(file)", "-H", "Content-Type: application/octet-stream",
                                         "https://localhost:\(port)/v1/messages"])
            #expect(result.status == 0, "\(result.standardError)")
            let seen = fields(result.outputText)
            #expect(seen["method"] == "POST")
            #expect(seen["bytes"] == "\(size)")
            #expect(seen["checksum"] == checksum(body))
        }
    }

    /// A client that sends `Expect: 100-continue` waits for the interim answer before the body
    /// (curl does so by itself for large bodies, and would otherwise stall a second).
    @Test func expectContinueGetsInterimResponseBeforeBody() async throws {
        let body = testBytes(64 * 1024)
        let file = try temporaryFile(body)
        try await withServer(handler: echoHandler) { _, port in
            let result = try await curl(["-v", "-H", "Expect: 100-continue", "--data-binary", "@\(file)",
                                         "https://localhost:\(port)/v1/messages"])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardError.contains("> Expect: 100-continue"))
            #expect(result.standardError.contains("< HTTP/1.1 100 Continue"))
            #expect(fields(result.outputText)["checksum"] == checksum(body))
        }
    }

    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        try await withServer(handler: echoHandler) { server, port in
            let url = "https://localhost:\(port)/v1/ping"
            let result = try await curl(["-w", "connects=%{num_connects}\n", url, url, url])
            #expect(result.status == 0, "\(result.standardError)")
            let connects = result.outputText.split(separator: "\n").filter { $0.hasPrefix("connects=") }
            #expect(connects == ["connects=1", "connects=0", "connects=0"])
            let connectionIDs = Set(result.outputText.split(separator: "\n").filter { $0.hasPrefix("connection=") })
            #expect(connectionIDs.count == 1)
            #expect(server.statistics.acceptedConnections == 1)
            #expect(server.statistics.requestsServed == 3)
        }
    }

    @Test func plainHTTPListenerServesWithoutTLS() async throws {
        try await withServer(tls: false, handler: echoHandler) { _, port in
            let result = try await curl(["--data-binary", "hello", "http://127.0.0.1:\(port)/admin"])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(fields(result.outputText)["bytes"] == "5")
        }
    }

    @Test func headRequestGetsLengthWithoutBody() async throws {
        try await withServer(handler: { _ in HTTPResponse(status: 200, contentType: "text/plain", body: "twelve bytes") }) { _, port in
            let result = try await curl(["-I", "https://localhost:\(port)/"])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.outputText.contains("Content-Length: 12"))
            #expect(result.outputText.contains("Date: "))
        }
    }
}
