import Synchronization
import Testing
import UraHTTPCore
import UraHTTPServer
import UraLoad
import UraHTTPTestSupport
import UraTestTraits

/// The TLS load generator against the real server, including 1,000 concurrent connections.
@Suite(.offThePool) struct LoadGeneratorTests {
    private let pki = TestPKI.shared

    private func generator(port: Int, connections: Int, threads: Int = 1, rate: Double? = nil, path: String = "/v1/messages") -> HTTPSLoadGenerator {
        HTTPSLoadGenerator(configuration: LoadGeneratorConfiguration(
            port: port, path: path, connections: connections, threads: threads, targetRate: rate,
            clientCertificate: .file(pki.clientCertificate), clientKey: .file(pki.clientKey),
            trustedAuthorities: .file(pki.caCertificate), runTimeout: .seconds(60)))
    }

    @Test func thousandConcurrentTLSConnectionsAllGetAnswers() async throws {
        let connectionIDs = Mutex<Set<UInt64>>([])
        let verifiedPeers = Mutex(0)
        try await withServer(handler: { request in
            connectionIDs.withLock { _ = $0.insert(request.connectionID) }
            if request.peer?.chainVerified == true { verifiedPeers.withLock { $0 += 1 } }
            return HTTPResponse(status: 202, body: Array("accepted".utf8))
        }) { server, port in
            // Every connection is open and handshaken before the first request, and each
            // carries exactly one request.
            let result = try await generator(port: port, connections: 1000, threads: 2)
                .run(.repeated(Array("hello".utf8), count: 1000))
            #expect(result.statusCounts == [202: 1000])
            #expect(result.failures == 0)
            #expect(server.statistics.peakOpenConnections >= 1000)
            #expect(server.statistics.acceptedConnections == 1000)
            #expect(server.statistics.refusedConnections == 0)
        }
        #expect(connectionIDs.withLock { $0.count } == 1000)
        #expect(verifiedPeers.withLock { $0 } == 1000)
    }

    @Test func closedLoopSendsEveryBodyExactlyOnce() async throws {
        let bodies = (0..<500).map { Array("message-\($0)-".utf8) + testBytes(4096 - 20, seed: UInt64($0)) }
        let received = Mutex<[String: Int]>([:])
        try await withServer(handler: { request in
            received.withLock { $0[checksum(request.body), default: 0] += 1 }
            return HTTPResponse(status: 202, body: testBytes(300))
        }) { server, port in
            let result = try await generator(port: port, connections: 8).run(.distinct(bodies))
            #expect(result.statusCounts == [202: 500])
            #expect(result.failures == 0)
            #expect(result.answered == 500)
            #expect(result.latency.p50 <= result.latency.p90)
            #expect(result.latency.p90 <= result.latency.p99)
            #expect(result.latency.p99 <= result.latency.max)
            #expect(result.latency.p50 > .zero)
            #expect(result.throughput > 0)
            #expect(server.statistics.acceptedConnections == 8)
        }
        let counts = received.withLock { $0 }
        #expect(Set(counts.keys) == Set(bodies.map(checksum)))
        #expect(counts.values.allSatisfy { $0 == 1 })
    }

    /// `onAnswer` names each request by its index with the status it got (the power-loss test
    /// records acknowledged messages with it): here even bodies are accepted, odd ones refused.
    @Test func onAnswerReportsEachRequestsIndexAndStatus() async throws {
        let answers = Mutex<[Int: Int]>([:])
        try await withServer(handler: { request in
            let n = Int(String(decoding: request.body, as: UTF8.self)) ?? -1
            return HTTPResponse(status: n % 2 == 0 ? 202 : 400)
        }) { _, port in
            var workload = LoadWorkload(count: 300) { Array("\($0)".utf8) }
            workload.onAnswer = { index, status in answers.withLock { $0[index, default: 0] += status } }
            let result = try await generator(port: port, connections: 8).run(workload)
            #expect(result.statusCounts == [202: 150, 400: 150])
        }
        let seen = answers.withLock { $0 }
        #expect(seen.count == 300)
        #expect(seen.allSatisfy { index, status in status == (index % 2 == 0 ? 202 : 400) })
    }

    /// Open loop: request i starts at i / rate, so 200 requests at 2,000/s cannot finish
    /// before the last one is due (99.5 ms), however fast the server is.
    @Test func openLoopPacesRequestsAtTheTargetRate() async throws {
        try await withServer(handler: { _ in HTTPResponse(status: 202) }) { _, port in
            let result = try await generator(port: port, connections: 4, rate: 2000).run(.repeated([1, 2, 3], count: 200))
            #expect(result.statusCounts == [202: 200])
            #expect(result.duration >= .microseconds(99_500))
        }
    }

    @Test func connectionsTheServerClosesEndTheirRequestsAsFailures() async throws {
        try await withServer(handler: { _ in HTTPResponse(status: 200, headers: ["Connection": "close"]) }) { _, port in
            let result = try await generator(port: port, connections: 4).run(.repeated([1], count: 10))
            #expect(result.statusCounts == [200: 4])
            #expect(result.failures == 6)
        }
    }

    @Test func untrustedServerCertificateStopsTheRunWithAReason() async throws {
        try await withServer(handler: { _ in HTTPResponse(status: 200) }) { _, port in
            let generator = HTTPSLoadGenerator(configuration: LoadGeneratorConfiguration(
                port: port, connections: 2, trustedAuthorities: .file(pki.otherCACertificate)))
            let error = await #expect(throws: LoadGeneratorError.self) { try await generator.run(.repeated([1], count: 1)) }
            #expect(error?.description.contains("unable to get local issuer certificate") == true, "\(String(describing: error))")
        }
    }
}
