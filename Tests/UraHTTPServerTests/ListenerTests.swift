import UraTestSupport
import Glibc
import Testing
import UraHTTPCore
import UraHTTPServer
import UraHTTPTestSupport
import UraTestTraits

/// One listening socket per server, shared by its event loops: a second server on the same port
/// cannot bind it (no SO_REUSEPORT splitting connections between two processes), connections still
/// reach every loop, and shutdown frees the port.
@Suite(.offThePool) struct ListenerTests {
    @Test func aSecondServerOnTheSamePortFailsToStart() async throws {
        let first = HTTPServer(configuration: .init(tls: nil, eventLoops: 2), handler: echoHandler)
        let port = try first.start()
        let second = HTTPServer(configuration: .init(port: port, tls: nil, eventLoops: 2), handler: echoHandler)
        #expect {
            try second.start()
        } throws: { error in
            guard case .cannotListen(let address, let reason) = error as? HTTPServerError else { return false }
            return address == "127.0.0.1:\(port)" && reason.lowercased().contains("address already in use")
        }
        // The first still serves, alone.
        let response = try await blocking {
            let client = try RawClient(port: port, tls: nil)
            try client.send("GET /first HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            return try client.readResponse()
        }
        #expect(response.status == 200)
        await first.shutdown(gracePeriod: .seconds(5))
        await second.shutdown(gracePeriod: .seconds(1))

        // Shutdown closed the shared socket (once every loop had let go of it): the port is free.
        let again = HTTPServer(configuration: .init(port: port, tls: nil, eventLoops: 2), handler: echoHandler)
        #expect(try again.start() == port)
        await again.shutdown(gracePeriod: .seconds(1))
    }

    /// The loops share the socket, but the connections do not all go to one of them. The loop of
    /// a connection is the top bits of its id (`EventLoop`: index + 1 << 48). A loop whose thread
    /// has not reached its epoll yet cannot be woken, so the test connects until it saw both
    /// loops (two connections, normally), within a bound a single loop would reach by itself.
    @Test func connectionsSpreadOverTheLoops() async throws {
        let loops = try await withServer(tls: false, { $0.eventLoops = 2 }, handler: echoHandler) { _, port in
            try await blocking {
                var clients: [RawClient] = []
                var loops: [UInt64] = []
                defer { clients.forEach { $0.close() } }
                // One after the other, each kept open: every one is a new accept on an idle server.
                while Set(loops).count < 2 && loops.count < 32 {
                    let client = try RawClient(port: port, tls: nil)
                    clients.append(client)
                    try client.send("GET /which HTTP/1.1\r\nHost: a\r\n\r\n")
                    let id = UInt64(fields(try client.readResponse().bodyText)["connection"] ?? "") ?? 0
                    loops.append(id >> 48)
                }
                return loops
            }
        }
        #expect(Set(loops) == [1, 2], "\(loops.count) connections went to loops \(Set(loops).sorted())")
    }
}
