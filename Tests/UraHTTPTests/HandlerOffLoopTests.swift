import Testing
import UraHTTP

/// Handlers run off the event loops: one that waits does not delay others, and the bound on
/// requests in handlers makes connections wait instead of dropping them.
@Suite struct HandlerOffLoopTests {
    private static let tls = RawClient.TLSOptions(caFile: TestPKI.shared.caCertificate)

    private static func get(_ port: Int, _ path: String) throws -> RawResponse {
        let client = try RawClient(port: port, tls: tls)
        try client.send("GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n")
        return try client.readResponse()
    }

    private static func handler(_ gate: Gate) -> @Sendable (HTTPRequest) async -> HTTPResponse {
        { request in
            if request.path.hasPrefix("/slow") {
                let opened = await gate.wait()
                return HTTPResponse(status: opened ? 200 : 503, contentType: "text/plain", body: request.path)
            }
            return HTTPResponse(status: 200, contentType: "text/plain", body: request.path)
        }
    }

    @Test func waitingHandlerDoesNotBlockOtherRequestsOnTheSameLoop() async throws {
        let gate = Gate()
        try await withServer({ $0.eventLoops = 1 }, handler: Self.handler(gate)) { server, port in
            async let slow = blocking { try Self.get(port, "/slow") }
            #expect(await eventually { gate.arrivals == 1 })
            for index in 0..<20 {
                let response = try await blocking { try Self.get(port, "/fast/\(index)") }
                #expect(response.status == 200)
                #expect(response.bodyText == "/fast/\(index)")
            }
            #expect(server.statistics.inFlightRequests == 1)
            gate.open()
            let finished = try await slow
            #expect(finished.status == 200)
            #expect(finished.bodyText == "/slow")
        }
    }

    @Test func requestsBeyondTheInFlightBoundWaitAndAreNotDropped() async throws {
        let gate = Gate()
        try await withServer({ $0.maxInFlightRequests = 2 }, handler: Self.handler(gate)) { server, port in
            async let first = blocking { try Self.get(port, "/slow/1") }
            async let second = blocking { try Self.get(port, "/slow/2") }
            #expect(await eventually { gate.arrivals == 2 })
            async let third = blocking { try Self.get(port, "/slow/3") }
            #expect(await eventually { server.statistics.waitingForCapacity == 1 })
            #expect(gate.arrivals == 2)  // parked, not handed to the handler
            #expect(server.statistics.inFlightRequests == 2)
            gate.open()
            let bodies = try await [first.bodyText, second.bodyText, third.bodyText]
            #expect(bodies == ["/slow/1", "/slow/2", "/slow/3"])
            #expect(gate.arrivals == 3)
            #expect(server.statistics.waitingForCapacity == 0)
            #expect(await eventually { server.statistics.inFlightRequests == 0 })
        }
    }
}

/// What happens to handlers and connections at the edges: clients leaving, too many clients.
@Suite struct ConnectionEdgeTests {
    private static let tls = RawClient.TLSOptions(caFile: TestPKI.shared.caCertificate)

    @Test(arguments: [false, true])
    func clientThatDisconnectsCancelsItsLongPoll(reset: Bool) async throws {
        let gate = Gate()
        let cancelled = Locked(false)
        try await withServer(handler: { _ in
            if await !gate.wait() { cancelled.set(true) }
            return HTTPResponse(status: 200)
        }) { server, port in
            let client = try await blocking {
                let client = try RawClient(port: port, tls: Self.tls)
                try client.send("GET /v1/inbox?wait=60 HTTP/1.1\r\nHost: a\r\n\r\n")
                return client
            }
            #expect(await eventually { gate.arrivals == 1 })
            if reset { client.reset() } else { client.halfClose() }
            #expect(await eventually { cancelled.isSet })
            #expect(await eventually { server.statistics.inFlightRequests == 0 && server.statistics.openConnections == 0 })
            gate.open()
        }
    }

    /// A FIN that arrives together with the request: the handler starts and is cancelled.
    @Test func requestFollowedAtOnceByFINIsCancelled() async throws {
        let gate = Gate()
        let cancelled = Locked(false)
        try await withServer(handler: { _ in
            if await !gate.wait() { cancelled.set(true) }
            return HTTPResponse(status: 200)
        }) { server, port in
            let client = try await blocking {
                let client = try RawClient(port: port, tls: Self.tls)
                try client.send("GET /v1/inbox?wait=60 HTTP/1.1\r\nHost: a\r\n\r\n")
                client.halfClose()
                return client
            }
            #expect(await eventually { server.statistics.openConnections == 0 && server.statistics.inFlightRequests == 0 })
            #expect(gate.arrivals == 0 || cancelled.isSet)
            gate.open()
            client.close()
        }
    }

    @Test func connectionsOverTheLimitAreRefused() async throws {
        try await withServer({ $0.maxConnections = 2; $0.eventLoops = 1 }, handler: echoHandler) { server, port in
            let (first, second) = try await blocking {
                (try RawClient(port: port, tls: Self.tls), try RawClient(port: port, tls: Self.tls))
            }
            let refused = try await blocking { () -> Bool in
                // The third connection is accepted by the kernel, then reset by the server.
                do {
                    _ = try RawClient(port: port, tls: Self.tls)
                    return false
                } catch {
                    return true
                }
            }
            #expect(refused)
            #expect(server.statistics.refusedConnections == 1)
            let answers = try await blocking {
                try first.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n")
                try second.send("GET /2 HTTP/1.1\r\nHost: a\r\n\r\n")
                return [try first.readResponse().status, try second.readResponse().status]
            }
            #expect(answers == [200, 200])
        }
    }
}
