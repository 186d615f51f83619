import Testing
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraHTTPTestSupport
import UraTestSupport
import UraTestTraits

/// Slow or silent clients (slow loris) hold only their own connection: everyone else is served,
/// and each phase's deadline closes them.
@Suite(.offThePool) struct SlowClientTests {
    private static let tls = RawClient.TLSOptions(caFile: TestPKI.shared.caCertificate)

    /// One GET over a fresh TLS connection (blocking; run through `blocking`).
    private static func get(_ port: Int, _ path: String) throws -> RawResponse {
        let client = try RawClient(port: port, tls: tls)
        try client.send("GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
        return try client.readResponse()
    }

    @Test func stalledClientsDoNotHoldUpFiftyOthers() async throws {
        // Generous phase deadlines: this test is about not blocking others, and on a loaded machine
        // fifty handshakes may take longer than the default 10 s header deadline of the stalled ones.
        try await withServer({
            $0.eventLoops = 1
            $0.timeouts = HTTPServerTimeouts(handshake: .seconds(120), header: .seconds(120), body: .seconds(120), idle: .seconds(120),
                                             unverifiedIdle: .seconds(120))
        }, handler: echoHandler) { server, port in
            // Four kinds of stall, all on the one event loop: no TLS handshake at all, an idle
            // connection, a request head cut after one byte, a body cut after 10 of 100 bytes.
            let (noHandshake, idle, oneByte, partialBody) = try await blocking {
                let noHandshake = try RawClient(port: port, tls: nil)
                let idle = try RawClient(port: port, tls: Self.tls)
                let oneByte = try RawClient(port: port, tls: Self.tls)
                try oneByte.send("G")
                let partialBody = try RawClient(port: port, tls: Self.tls)
                try partialBody.send("POST /body HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789")
                return (noHandshake, idle, oneByte, partialBody)
            }
            #expect(await eventually { server.statistics.openConnections == 4 })

            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for index in 0..<50 { group.addTask { try await blocking { try Self.get(port, "/fast/\(index)").status } } }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(statuses.count == 50)
            #expect(statuses.allSatisfy { $0 == 200 })

            // The stalled clients were only waiting: each can still finish its own request.
            let finished = try await blocking {
                try oneByte.send("ET /late HTTP/1.1\r\nHost: a\r\n\r\n")
                try partialBody.send(String(repeating: "x", count: 90))
                try idle.send("GET /idle HTTP/1.1\r\nHost: a\r\n\r\n")
                return [try oneByte.readResponse(), try partialBody.readResponse(), try idle.readResponse()]
            }
            #expect(finished.map(\.status) == [200, 200, 200])
            #expect(fields(finished[0].bodyText)["path"] == "/late")
            #expect(fields(finished[1].bodyText)["bytes"] == "100")
            noHandshake.close()
            #expect(server.statistics.requestsServed == 53)
        }
    }

    @Test func headThatStallsIsAnswered408AndClosed() async throws {
        try await withServer({ $0.timeouts.header = .milliseconds(300) }, handler: echoHandler) { server, port in
            let (response, rest) = try await blocking {
                let client = try RawClient(port: port, tls: Self.tls)
                try client.send("GET /slow HTTP/1.1\r\nHo")
                // A blocking read: it returns when the server answers and closes.
                return (try client.readResponse(), try client.readUntilClosed())
            }
            #expect(response.status == 408)
            #expect(response.headers["Connection"] == "close")
            #expect(try JSONValue(parsing: response.body)["type"]?.stringValue == "https://ura.example/problems/request-timeout")
            #expect(try JSONValue(parsing: response.body)["detail"]?.stringValue?.contains("300 ms") == true)
            #expect(rest.isEmpty)
            #expect(server.statistics.rejected["request-timeout"] == 1)
        }
    }

    @Test func bodyThatStallsIsAnswered408AndClosed() async throws {
        try await withServer({ $0.timeouts.body = .milliseconds(300) }, handler: echoHandler) { _, port in
            let response = try await blocking {
                let client = try RawClient(port: port, tls: Self.tls)
                try client.send("POST /slow HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789")
                let response = try client.readResponse()
                _ = try client.readUntilClosed()
                return response
            }
            #expect(response.status == 408)
            #expect(try JSONValue(parsing: response.body)["detail"]?.stringValue?.contains("10 of the 100") == true)
        }
    }

    @Test func idleKeepAliveConnectionIsClosedQuietly() async throws {
        try await withServer({ $0.timeouts.idle = .milliseconds(300) }, handler: echoHandler) { server, port in
            let (first, rest) = try await blocking {
                let client = try RawClient(port: port, tls: Self.tls)
                try client.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n")
                return (try client.readResponse(), try client.readUntilClosed())
            }
            #expect(first.status == 200)
            #expect(rest.isEmpty)
            #expect(server.statistics.idleTimeouts == 1)
        }
    }

    /// 8 MiB: more than the server's socket send buffer (up to 4 MiB) and the client's receive buffer together.
    private static let largeBody = testBytes(8 << 20)
    private static let largeHandler: @Sendable (HTTPRequest) async -> HTTPResponse = { _ in
        HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: largeBody)
    }

    @Test(arguments: [false, true])
    func clientReadingSlowlyButSteadilyGetsAWholeLargeResponse(tls: Bool) async throws {
        // About 1.6 MB/s: past the socket buffers (at most ~4 MiB) the rest takes ~2.6 s, longer than
        // the 2 s write timeout as a whole (which the old timeout counted), but never blocks that
        // long at once (the kernel reports the socket writable once about a third of its send
        // buffer, at most 1.3 MiB, has drained: ~0.8 s at this pace; acknowledged bytes count as
        // progress too). The 1 s idle timeout starts only once the response is out.
        try await withServer(tls: tls, { $0.timeouts.write = .seconds(2); $0.timeouts.idle = .seconds(1) },
                             handler: Self.largeHandler) { _, port in
            let response = try await blocking {
                let client = try RawClient(port: port, tls: tls ? Self.tls : nil, receiveBuffer: 16 * 1024)
                try client.send("GET /large HTTP/1.1\r\nHost: a\r\n\r\n")
                return try client.readResponse(piece: 16 * 1024, pause: .milliseconds(10))
            }
            #expect(response.status == 200)
            #expect(response.body.count == Self.largeBody.count)
            #expect(checksum(response.body) == checksum(Self.largeBody))
        }
    }

    @Test(arguments: [false, true])
    func clientThatStopsReadingIsCutAfterTheWriteTimeout(tls: Bool) async throws {
        try await withServer(tls: tls, { $0.timeouts.write = .milliseconds(300) }, handler: Self.largeHandler) { server, port in
            let client = try await blocking {
                let client = try RawClient(port: port, tls: tls ? Self.tls : nil, receiveBuffer: 16 * 1024)
                try client.send("GET /large HTTP/1.1\r\nHost: a\r\n\r\n")
                return client
            }
            #expect(await eventually { server.statistics.requestsServed == 1 })
            #expect(await eventually { server.statistics.openConnections == 0 })
            // What the kernel still held arrives, then the end: never the whole response.
            let received = try await blocking { try client.readUntilClosed() }
            #expect(received.count < Self.largeBody.count)
        }
    }

    @Test func connectionsWithoutAVerifiedCertificateGetTheShortIdleTimeout() async throws {
        try await withServer({ $0.timeouts.unverifiedIdle = .milliseconds(500) }, handler: echoHandler) { server, port in
            let pki = TestPKI.shared
            let verified = try await blocking {
                try RawClient(port: port, tls: .init(caFile: pki.caCertificate, certificateFile: pki.clientCertificate, keyFile: pki.clientKey))
            }
            // Served, then closed quietly 500 ms after the answer; the stranger before any request.
            let (answer, rest, strangerRest) = try await blocking {
                let anonymous = try RawClient(port: port, tls: Self.tls)
                try anonymous.send("GET /anonymous HTTP/1.1\r\nHost: a\r\n\r\n")
                let stranger = try RawClient(port: port, tls: .init(caFile: pki.caCertificate, certificateFile: pki.strangerCertificate,
                                                                    keyFile: pki.strangerKey))
                return (try anonymous.readResponse(), try anonymous.readUntilClosed(), try stranger.readUntilClosed())
            }
            #expect(answer.status == 200)
            #expect(rest.isEmpty && strangerRest.isEmpty)
            #expect(server.statistics.idleTimeouts == 2)
            // The connection with a verified certificate keeps the ordinary idle timeout (60 s here).
            let verifiedAnswer = try await blocking {
                try verified.send("GET /verified HTTP/1.1\r\nHost: a\r\n\r\n")
                return try verified.readResponse()
            }
            #expect(fields(verifiedAnswer.bodyText)["peer.verified"] == "true")
        }
    }

    @Test func clientThatNeverHandshakesIsDropped() async throws {
        try await withServer({ $0.timeouts.handshake = .milliseconds(300) }, handler: echoHandler) { server, port in
            let rest = try await blocking {
                let client = try RawClient(port: port, tls: nil)
                return try client.readUntilClosed()
            }
            #expect(rest.isEmpty)
            #expect(server.statistics.failedHandshakes == 1)
            #expect(await eventually { server.statistics.openConnections == 0 })
        }
    }
}
