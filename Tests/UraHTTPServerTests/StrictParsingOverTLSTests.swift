import UraTestSupport
import Testing
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraHTTPTestSupport
import UraTestTraits

/// Malformed requests sent byte-exact over a real TLS connection: the server answers with an
/// RFC 9457 problem, `Connection: close`, then closes; the handler never runs.
@Suite(.offThePool) struct StrictParsingOverTLSTests {
    private static let tls = RawClient.TLSOptions(caFile: TestPKI.shared.caCertificate)

    @Test(arguments: [
        ("CL and TE", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc", 400, "bad-request"),
        ("TE chunked", "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 411, "length-required"),
        ("request line over the cap", "GET /" + String(repeating: "x", count: 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414, "uri-too-long"),
        ("header bytes over the cap", "GET / HTTP/1.1\r\nHost: a\r\n" + String(repeating: "X-Pad: 0123456789012345678901234567890123456789\r\n", count: 800) + "\r\n",
         431, "request-header-fields-too-large"),
        ("malformed request line", "GET/ HTTP/1.1\r\nHost: a\r\n\r\n", 400, "bad-request"),
        ("bare LF", "GET / HTTP/1.1\nHost: a\n\n", 400, "bad-request"),
        ("space before colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400, "bad-request"),
        ("duplicate Content-Length", "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc", 400, "bad-request"),
        ("missing Host", "GET / HTTP/1.1\r\nAccept: */*\r\n\r\n", 400, "bad-request"),
        ("HTTP/2 over HTTP/1 framing", "GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505, "http-version-not-supported"),
    ])
    func malformedRequestGetsProblemAndClose(_ name: String, _ request: String, _ status: Int, _ slug: String) async throws {
        let handled = Locked<Bool>(false)
        try await withServer(handler: { _ in handled.set(true); return HTTPResponse(status: 200) }) { server, port in
            let response = try await blocking {
                let client = try RawClient(port: port, tls: Self.tls)
                try client.send(request)
                let response = try client.readResponse()
                _ = try client.readUntilClosed()  // the server closes after a problem
                return response
            }
            #expect(response.status == status, "\(name)")
            #expect(response.headers["Content-Type"] == "application/problem+json")
            #expect(response.headers["Connection"] == "close")
            let problem = try JSONValue(parsing: response.body)
            #expect(problem["type"]?.stringValue == "https://ura.example/problems/\(slug)")
            #expect(problem["status"]?.intValue == status)
            #expect(problem["title"]?.stringValue?.isEmpty == false)
            #expect(problem["detail"]?.stringValue?.isEmpty == false)
            #expect(server.statistics.rejected[slug] == 1)
            #expect(server.statistics.requestsServed == 0)
        }
        #expect(!handled.isSet)
    }

    /// 413 comes back from the head alone: the client never has to send the body.
    @Test func oversizedBodyIsRefusedBeforeTheBodyIsSent() async throws {
        try await withServer({ $0.limits.maxBodyBytes = 1024 * 1024 }, handler: echoHandler) { server, port in
            let response = try await blocking {
                let client = try RawClient(port: port, tls: Self.tls)
                try client.send("POST /v1/messages HTTP/1.1\r\nHost: a\r\nContent-Length: 5000000\r\n\r\n")
                let response = try client.readResponse()
                _ = try client.readUntilClosed()
                return response
            }
            #expect(response.status == 413)
            let problem = try JSONValue(parsing: response.body)
            #expect(problem["type"]?.stringValue == "https://ura.example/problems/payload-too-large")
            #expect(problem["detail"]?.stringValue?.contains("1048576") == true)
            #expect(server.statistics.rejected["payload-too-large"] == 1)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let handler: @Sendable (HTTPRequest) async -> HTTPResponse = { request in
            // The first request is the slowest, so ordering is the server's doing.
            if request.path == "/1" { for _ in 0..<100 { await Task.yield() } }
            return HTTPResponse(status: 200, contentType: "text/plain", body: request.path + ":" + String(decoding: request.body, as: UTF8.self))
        }
        try await withServer(handler: handler) { _, port in
            let bodies = try await blocking {
                let client = try RawClient(port: port, tls: Self.tls)
                try client.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET /3 HTTP/1.1\r\nHost: a\r\n\r\n")
                return try (0..<3).map { _ in try client.readResponse().bodyText }
            }
            #expect(bodies == ["/1:", "/2:abc", "/3:"])
        }
    }

    @Test func http10IsServedAndClosed() async throws {
        try await withServer(handler: echoHandler) { _, port in
            let (response, rest) = try await blocking {
                let client = try RawClient(port: port, tls: Self.tls)
                try client.send("GET /old HTTP/1.0\r\n\r\n")
                return (try client.readResponse(), try client.readUntilClosed())
            }
            #expect(response.status == 200)
            #expect(response.headers["Connection"] == "close")
            #expect(fields(response.bodyText)["path"] == "/old")
            #expect(rest.isEmpty)
        }
    }

    @Test func handlerHeadersCannotSplitTheResponse() async throws {
        let handler: @Sendable (HTTPRequest) async -> HTTPResponse = { _ in
            HTTPResponse(status: 200, headers: ["X-Note": "a\r\nSet-Cookie: evil", "Content-Length": "999"], body: Array("ok".utf8))
        }
        try await withServer(handler: handler) { _, port in
            let response = try await blocking {
                let client = try RawClient(port: port, tls: Self.tls)
                try client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                return try client.readResponse()
            }
            #expect(response.headers["Set-Cookie"] == nil)
            #expect(response.headers["X-Note"] == "a  Set-Cookie: evil")
            #expect(response.headers.values(for: "Content-Length") == ["2"])
            #expect(response.bodyText == "ok")
        }
    }
}
