import Foundation
import Glibc
import Testing
import UraHTTPCore
import UraHTTPServer
import UraHTTPTestSupport
import UraTestSupport
import UraTestTraits

/// What happens to handlers and connections at the edges: clients leaving, too many clients.
@Suite(.offThePool) struct ConnectionEdgeTests {
    private static let tls = RawClient.TLSOptions(caFile: TestPKI.shared.caCertificate)

    /// A client whose long poll reached its handler (which waits on a gate until cancelled);
    /// `leave` makes the client go, then the handler must be cancelled and the connection closed.
    private func longPoll(leave: @escaping (RawClient) async throws -> Void) async throws {
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
            try await leave(client)
            #expect(await eventually { cancelled.isSet })
            #expect(await eventually { server.statistics.inFlightRequests == 0 && server.statistics.openConnections == 0 })
            gate.open()
        }
    }

    @Test(arguments: [false, true])
    func clientThatDisconnectsCancelsItsLongPoll(reset: Bool) async throws {
        try await longPoll { client in if reset { client.reset() } else { client.halfClose() } }
    }

    /// A child process started while a client is connected (another test's urad, the browser
    /// `ura desk --open` starts) does not inherit the client's socket: when the client goes, the
    /// server sees it go. (With a socket that is not close-on-exec, the child held it open and the
    /// reset never left: the long poll ran on for nobody.)
    @Test func aChildProcessDoesNotKeepAClientsConnectionOpen() async throws {
        let child = Locked<ChildProcess?>(nil)
        try await longPoll { client in
            // cat waits on its standard input until the test closes it: alive while the client resets.
            child.set(try ChildProcess("/bin/cat", [], withInput: true))
            client.reset()
        }
        #expect(try await blocking { () -> Int32? in
            try child.value?.input?.close()
            return child.value?.wait()
        } == 0)
    }

    /// A test's child process (urad, ura, curl) starts with its standard descriptors and nothing
    /// else of the test process, even what is not close-on-exec (curl's resolver socketpairs are not).
    @Test func childProcessesInheritOnlyTheirStandardDescriptors() async throws {
        let leaky = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)  // deliberately not close-on-exec
        #expect(leaky >= 0)
        defer { close(leaky) }
        // The shell says when it has started (its loader opens and closes libraries as descriptor 3
        // on the way), then waits on its standard input until the test closes it.
        let child = try ChildProcess("/bin/sh", ["-c", "echo started; read line || true"], withInput: true)
        let started = try await blocking { child.output.readData(ofLength: 8) }
        #expect(String(decoding: started, as: UTF8.self) == "started\n")
        let held = try FileManager.default.contentsOfDirectory(atPath: "/proc/\(child.pid)/fd").compactMap { Int32($0) }.sorted()
        try child.input?.close()
        #expect(try await blocking { child.wait() } == 0)
        #expect(held == [0, 1, 2], "the child holds \(held)")
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
