import Glibc
import Testing
import UraHTTPCore
import UraHTTPServer
import UraHTTPTestSupport
import UraTestSupport
import UraTestTraits

/// Shutdown stops accepting at once, closes idle connections, lets requests under way finish,
/// and cancels handlers still running when the grace period ends.
@Suite(.offThePool) struct GracefulShutdownTests {
    private static let tls = RawClient.TLSOptions(caFile: TestPKI.shared.caCertificate)

    private static func handler(_ gate: Gate, cancelled: Locked<Bool> = Locked(false)) -> @Sendable (HTTPRequest) async -> HTTPResponse {
        { request in
            if request.path == "/slow" {
                let opened = await gate.wait()
                if !opened { cancelled.set(true) }
                return HTTPResponse(status: opened ? 200 : 503, contentType: "text/plain", body: opened ? "finished" : "cancelled")
            }
            return HTTPResponse(status: 200, contentType: "text/plain", body: "quick")
        }
    }

    /// True when nothing listens on the port any more.
    private static func connectionRefused(_ port: Int) -> Bool {
        do {
            _ = try RawClient(port: port, tls: nil)
            return false
        } catch {
            return "\(error)".contains("refused")
        }
    }

    @Test func responseStillBeingWrittenIsFinishedBeforeTheConnectionCloses() async throws {
        let body = testBytes(8 << 20)
        let server = HTTPServer(configuration: .init(tls: TestPKI.shared.serverTLS()),
                                handler: { _ in HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: body) })
        let port = try server.start()
        let client = try await blocking {
            let client = try RawClient(port: port, tls: Self.tls, receiveBuffer: 16 * 1024)
            try client.send("GET /large HTTP/1.1\r\nHost: a\r\n\r\n")
            return client
        }
        // 8 MiB cannot all be in the sockets' buffers: the shutdown finds the response half written.
        #expect(await eventually { server.statistics.requestsServed == 1 })
        async let stopped: Void = server.shutdown(gracePeriod: .seconds(30))
        #expect(await eventually { !server.statistics.accepting })
        let (response, rest) = try await blocking { (try client.readResponse(), try client.readUntilClosed()) }
        #expect(response.status == 200)
        #expect(response.body.count == body.count)
        #expect(rest.isEmpty)
        await stopped
    }

    @Test func inFlightRequestCompletesAndNewConnectionsAreRefused() async throws {
        let gate = Gate()
        let server = HTTPServer(configuration: .init(tls: TestPKI.shared.serverTLS()), handler: Self.handler(gate))
        let port = try server.start()
        let (busy, idle) = try await blocking {
            let idle = try RawClient(port: port, tls: Self.tls)
            try idle.send("GET /quick HTTP/1.1\r\nHost: a\r\n\r\n")
            _ = try idle.readResponse()
            let busy = try RawClient(port: port, tls: Self.tls)
            try busy.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
            return (busy, idle)
        }
        #expect(await eventually { gate.arrivals == 1 })

        async let stopped: Void = server.shutdown(gracePeriod: .seconds(30))
        #expect(await eventually { !server.statistics.accepting })
        // Asked again until refused: while another test spawns a child process, the child holds a
        // copy of every descriptor until its exec closes them (close-on-exec), the closed listening
        // socket included, and the kernel may still complete a connection in that moment. A
        // listener that stayed open would never refuse.
        #expect(await eventually { Self.connectionRefused(port) })
        // The idle keep-alive connection is closed without a response.
        #expect(try await blocking { try idle.readUntilClosed() }.isEmpty)

        gate.open()
        let response = try await blocking { try busy.readResponse() }
        #expect(response.status == 200)
        #expect(response.bodyText == "finished")
        #expect(response.headers["Connection"] == "close")
        #expect(try await blocking { try busy.readUntilClosed() }.isEmpty)
        busy.close()
        await stopped
        #expect(server.statistics.openConnections == 0)
    }

    @Test func handlersStillRunningAfterTheGracePeriodAreCancelled() async throws {
        let gate = Gate()
        let cancelled = Locked(false)
        let server = HTTPServer(configuration: .init(tls: TestPKI.shared.serverTLS()), handler: Self.handler(gate, cancelled: cancelled))
        let port = try server.start()
        let busy = try await blocking {
            let busy = try RawClient(port: port, tls: Self.tls)
            try busy.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
            return busy
        }
        #expect(await eventually { gate.arrivals == 1 })
        await server.shutdown(gracePeriod: .milliseconds(200))
        // The connection was cut without an answer; the handler saw the cancellation.
        #expect(try await blocking { try busy.readUntilClosed() }.isEmpty)
        #expect(server.statistics.openConnections == 0)
        #expect(await eventually { cancelled.isSet })
        #expect(await eventually { server.statistics.inFlightRequests == 0 })
    }

    @Test func shutdownOfAServerThatNeverStartedReturns() async {
        let server = HTTPServer(configuration: .init(), handler: { _ in HTTPResponse(status: 200) })
        await server.shutdown()
        #expect(server.port == nil)
    }

    @Test func secondStartIsRefused() async throws {
        let server = HTTPServer(configuration: .init(), handler: { _ in HTTPResponse(status: 200) })
        _ = try server.start()
        #expect(throws: HTTPServerError.alreadyStarted) { try server.start() }
        await server.shutdown()
    }
}
