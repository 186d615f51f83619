import Testing
import COpenSSL
import UraHTTPCore
import UraHTTPServer
import UraHTTPTestSupport
import UraTestSupport
import UraTestTraits

/// An idle keep-alive connection holds no input buffer (issue 28: idle mTLS connections cost
/// memory for nothing). `HTTPServerStatistics.inputBufferBytes` adds up what the connections hold.
@Suite(.offThePool) struct IdleConnectionMemoryTests {
    private static let mutualTLS = RawClient.TLSOptions(caFile: TestPKI.shared.caCertificate,
                                                         certificateFile: TestPKI.shared.clientCertificate,
                                                         keyFile: TestPKI.shared.clientKey)

    @Test func idleConnectionsHoldNoInputBuffer() async throws {
        // No timeout may close the connections while the test looks at them: a closed connection
        // holds no buffer either, which would let the old code pass.
        try await withServer({
            $0.eventLoops = 1
            $0.timeouts = HTTPServerTimeouts(handshake: .seconds(3600), header: .seconds(3600), body: .seconds(3600),
                                             idle: .seconds(3600), unverifiedIdle: .seconds(3600))
        }, handler: echoHandler) { server, port in
            // Three mTLS connections: one small request, one with a 200 KB body (the buffer grows
            // for it), one that only finished its handshake; then all three wait, idle.
            let clients = try await blocking {
                let small = try RawClient(port: port, tls: Self.mutualTLS)
                try small.send("GET /small HTTP/1.1\r\nHost: a\r\n\r\n")
                let smallResponse = try small.readResponse()
                let large = try RawClient(port: port, tls: Self.mutualTLS)
                try large.send(Array("POST /large HTTP/1.1\r\nHost: a\r\nContent-Length: 200000\r\n\r\n".utf8) + testBytes(200_000))
                let largeResponse = try large.readResponse()
                let handshakeOnly = try RawClient(port: port, tls: Self.mutualTLS)
                return (small, large, handshakeOnly, [smallResponse.status, largeResponse.status], fields(largeResponse.bodyText)["bytes"])
            }
            #expect(clients.3 == [200, 200])
            #expect(clients.4 == "200000")
            #expect(await eventually { server.statistics.openConnections == 3 && server.statistics.requestsServed == 2 })
            // The loop has gone back to waiting on all three (a request on each would show it).
            #expect(await eventually { server.statistics.inputBufferBytes == 0 }, "held: \(server.statistics.inputBufferBytes) bytes")
            #expect(server.statistics.openConnections == 3)

            // A head cut half-way is kept (its bytes are the request), and let go once answered.
            try await blocking { try clients.0.send("GET /second HTTP/1.1\r\nHo") }
            #expect(await eventually { server.statistics.inputBufferBytes > 0 })
            let second = try await blocking {
                try clients.0.send("st: a\r\n\r\n")
                return try clients.0.readResponse()
            }
            #expect(second.status == 200)
            #expect(fields(second.bodyText)["path"] == "/second")
            #expect(await eventually { server.statistics.inputBufferBytes == 0 }, "held: \(server.statistics.inputBufferBytes) bytes")

            // Connections whose buffers were released still serve their next requests.
            let again = try await blocking {
                try clients.1.send("GET /again HTTP/1.1\r\nHost: a\r\n\r\n")
                try clients.2.send("GET /first HTTP/1.1\r\nHost: a\r\n\r\n")
                return [try clients.1.readResponse().status, try clients.2.readResponse().status]
            }
            #expect(again == [200, 200])
            for client in [clients.0, clients.1, clients.2] { client.close() }
            #expect(await eventually { server.statistics.openConnections == 0 })
            #expect(server.statistics.inputBufferBytes == 0)
        }
    }

    /// Over TLS 1.3 and 1.2: an idle connection's memory BIOs are swapped for empty ones, and the
    /// records that follow must still decrypt in order.
    @Test(arguments: [TLS1_3_VERSION, TLS1_2_VERSION])
    func pipelinedRequestsAfterAReleasedBufferAreAllAnswered(maximumVersion: Int32) async throws {
        // Two requests in one write after the connection went idle: the second stays buffered
        // while the first is handled, and is answered after it.
        let options = RawClient.TLSOptions(caFile: TestPKI.shared.caCertificate, certificateFile: TestPKI.shared.clientCertificate,
                                           keyFile: TestPKI.shared.clientKey, maximumVersion: maximumVersion)
        try await withServer({ $0.eventLoops = 1 }, handler: echoHandler) { server, port in
            let statuses = try await blocking {
                let client = try RawClient(port: port, tls: options)
                defer { client.close() }
                try client.send("GET /one HTTP/1.1\r\nHost: a\r\n\r\n")
                let first = try client.readResponse()
                try client.send("GET /two HTTP/1.1\r\nHost: a\r\n\r\nGET /three HTTP/1.1\r\nHost: a\r\n\r\n")
                let second = try client.readResponse()
                let third = try client.readResponse()
                return [first, second, third].map { "\($0.status) \(fields($0.bodyText)["path"] ?? "-")" }
            }
            #expect(statuses == ["200 /one", "200 /two", "200 /three"])
            #expect(await eventually { server.statistics.requestsServed == 3 })
        }
    }
}
