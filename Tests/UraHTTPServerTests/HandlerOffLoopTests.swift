import Foundation
import Testing
import UraHTTPCore
import UraHTTPServer
import UraHTTPTestSupport
import UraTestSupport
import UraTestTraits

/// Handlers run off the event loops: one that waits does not delay others, and the bound on
/// requests in handlers makes connections wait instead of dropping them.
@Suite(.offThePool) struct HandlerOffLoopTests {
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

    /// The name of the thread running the caller (synchronous: `Thread.current` is not for async contexts).
    static func threadName() -> String { Thread.current.name ?? "" }

    /// Handlers run on the server's own threads (`ThreadPoolExecutor.requestHandlers`), not on
    /// Swift's cooperative pool, where they waited behind the rest of the process: before and after
    /// a suspension. (Shown by the thread, not by holding the whole pool: a test that held it froze
    /// every other test of the suite for as long.)
    @Test func handlersRunOnTheServersOwnThreads() async throws {
        try await withServer(handler: { request in
            let before = Self.threadName()
            await Task.yield()
            return HTTPResponse(status: 200, contentType: "text/plain", body: before + " " + Self.threadName())
        }) { _, port in
            let response = try await blocking { try Self.get(port, "/where") }
            let names = response.bodyText.split(separator: " ")
            #expect(response.status == 200 && names.count == 2 && names.allSatisfy { $0.hasPrefix("ura-handler-") }, "\(response.bodyText)")
        }
    }

    @Test func requestsBeyondTheInFlightBoundWaitAndAreNotDropped() async throws {
        let gate = Gate()
        try await withServer({ $0.maxInFlightRequests = 2 }, handler: Self.handler(gate)) { server, port in
            async let first = blocking { try Self.get(port, "/slow/1") }
            async let second = blocking { try Self.get(port, "/slow/2") }
            #expect(await eventually { gate.arrivals == 2 })
            async let third = blocking { try Self.get(port, "/slow/3") }
            #expect(await eventually { server.statistics.waitingForCapacity == 1 }, "\(server.statistics)")
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
