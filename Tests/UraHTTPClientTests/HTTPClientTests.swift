import Foundation
import Glibc
import Testing
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraHTTPTestSupport
import UraTestSupport
import UraTestTraits

/// `HTTPClient` (libcurl multi) against the real server over mutual TLS on 127.0.0.1.
@Suite(.offThePool) struct HTTPClientTests {
    private let pki = TestPKI.shared

    private func client(_ configure: (inout HTTPClientConfiguration) -> Void = { _ in }) -> HTTPClient {
        var configuration = HTTPClientConfiguration(clientCertificate: .file(pki.clientCertificate), clientKey: .file(pki.clientKey),
                                                    trustedAuthorities: .file(pki.caCertificate))
        configure(&configuration)
        return HTTPClient(configuration: configuration)
    }

    @Test func mutualTLSPostDeliversBodyAndClientCertificate() async throws {
        let client = client()
        defer { client.shutdown() }
        let body = testBytes(4096)
        try await withServer(handler: echoHandler) { _, port in
            let response = try await client.send(HTTPClientRequest(method: "POST", url: "https://localhost:\(port)/push",
                                                                   headers: ["Content-Type": "application/jose+json"], body: body))
            #expect(response.status == 200)
            #expect(response.headers["Content-Type"] == "text/plain")
            let seen = fields(String(decoding: response.body, as: UTF8.self))
            #expect(seen["method"] == "POST")
            #expect(seen["checksum"] == checksum(body))
            #expect(seen["peer.cn"] == "al.police.test")
            #expect(seen["peer.verified"] == "true")
        }
    }

    /// curl's sockets are close-on-exec from their creation: a process started while a request is
    /// under way (the browser `ura desk --open` starts) does not inherit the connection, which
    /// would stay open in it after curl closed it.
    @Test func curlsSocketsAreCloseOnExec() async throws {
        let client = client()
        defer { client.shutdown() }
        let gate = Gate()
        try await withServer(handler: { _ in
            _ = await gate.wait()
            return HTTPResponse(status: 200)
        }) { _, port in
            async let response = client.send(HTTPClientRequest(url: "https://localhost:\(port)/v1/inbox?wait=60"))
            #expect(await eventually { gate.arrivals == 1 })
            let connections = try Self.socketInodes(connectedTo: port)
            let mine = try Self.descriptors(of: getpid()).filter { connections.contains($0.value) }
            #expect(!mine.isEmpty, "the request's connection is not among this process's descriptors")
            for (fd, _) in mine { #expect(fcntl(fd, F_GETFD) & FD_CLOEXEC != 0, "descriptor \(fd) is not close-on-exec") }
            gate.open()
            #expect(try await response.status == 200)
        }
    }

    /// The inodes of the TCP sockets on this machine whose remote end is port `port` (IPv4 or IPv6).
    static func socketInodes(connectedTo port: Int) throws -> Set<String> {
        let hex = String(port, radix: 16, uppercase: true)
        let remotePort = ":" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        var inodes = Set<String>()
        for file in ["/proc/net/tcp", "/proc/net/tcp6"] {
            // Read to the end: procfs says its files are empty, and a sized read stops at the first page.
            guard let handle = FileHandle(forReadingAtPath: file) else { continue }
            defer { try? handle.close() }
            let table = String(decoding: try handle.readToEnd() ?? Data(), as: UTF8.self)
            // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode
            for line in table.split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 9, fields[2].hasSuffix(remotePort) else { continue }
                inodes.insert(String(fields[9]))
            }
        }
        return inodes
    }

    /// The socket inodes of process `pid`, by descriptor.
    static func descriptors(of pid: pid_t) throws -> [Int32: String] {
        let folder = "/proc/\(pid)/fd"
        var inodes: [Int32: String] = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) {
            guard let fd = Int32(name), let target = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(folder)/\(name)"),
                  target.hasPrefix("socket:[") else { continue }
            inodes[fd] = String(target.dropFirst("socket:[".count).dropLast())
        }
        return inodes
    }

    @Test func inMemoryCertificatesKeysAndCAsWork() async throws {
        let client = HTTPClient(configuration: .init(clientCertificate: .bytes(pki.bytes(pki.clientCertificate)),
                                                     clientKey: .bytes(pki.bytes(pki.clientKey)),
                                                     trustedAuthorities: .bytes(pki.bytes(pki.caCertificate))))
        defer { client.shutdown() }
        try await withServer(handler: echoHandler) { _, port in
            let response = try await client.send(HTTPClientRequest(url: "https://localhost:\(port)/"))
            #expect(fields(String(decoding: response.body, as: UTF8.self))["peer.verified"] == "true")
        }
    }

    @Test func oneMebibyteBodyRoundTrips() async throws {
        let client = client()
        defer { client.shutdown() }
        let body = testBytes(1024 * 1024)
        try await withServer(handler: { request in HTTPResponse(status: 200, body: request.body.reversed()) }) { _, port in
            let response = try await client.send(HTTPClientRequest(method: "PUT", url: "https://localhost:\(port)/blob", body: body))
            #expect(response.status == 200)
            #expect(response.body == body.reversed())
        }
    }

    /// A long poll sets its own timeout, longer than the client's default: it outlives a
    /// request that used the default (and timed out), then gets its answer.
    @Test func requestTimeoutOverridesTheDefaultForLongPolls() async throws {
        let gate = Gate()
        let client = client { $0.timeout = .milliseconds(300) }
        defer { client.shutdown() }
        try await withServer(handler: { _ in
            _ = await gate.wait()
            return HTTPResponse(status: 200, body: Array("news".utf8))
        }) { _, port in
            let longPoll = Task {
                // Ten minutes: far above the default, and above what a busy machine takes to get here.
                try await client.send(HTTPClientRequest(url: "https://localhost:\(port)/v1/inbox?wait=25", timeout: .seconds(600)))
            }
            #expect(await eventually { gate.arrivals == 1 })
            let error = await #expect(throws: HTTPClientError.self) {
                try await client.send(HTTPClientRequest(url: "https://localhost:\(port)/v1/other"))
            }
            guard case .timedOut? = error else { Issue.record("expected a timeout, got \(String(describing: error))"); return }
            gate.open()
            let response = try await longPoll.value
            #expect(response.status == 200)
            #expect(response.body == Array("news".utf8))
        }
    }

    @Test func serverCertificateFromAnUntrustedCAIsAnError() async throws {
        for trust in [PEMSource.file(pki.otherCACertificate), .bytes(pki.bytes(pki.otherCACertificate))] {
            let client = client { $0.trustedAuthorities = trust }
            defer { client.shutdown() }
            try await withServer(handler: echoHandler) { server, port in
                let error = await #expect(throws: HTTPClientError.self) {
                    try await client.send(HTTPClientRequest(url: "https://localhost:\(port)/"))
                }
                guard case .serverCertificateNotTrusted? = error else { Issue.record("wrong error: \(String(describing: error))"); return }
                #expect(error?.description.hasPrefix("TLS: server certificate not trusted") == true)
                #expect(server.statistics.requestsServed == 0)
            }
        }
    }

    @Test func refusedConnectionIsAnErrorThatSaysSo() async throws {
        // A port bound but not listening: connecting to it is refused, and no other test's
        // server can take it while the socket holds it.
        let (fd, port) = try {
            let listening = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, length) == 0 && getsockname(listening, $0, &length) == 0 }
            }
            guard bound else { throw TestFailure("cannot bind a probe socket") }
            return (listening, Int(UInt16(bigEndian: address.sin_port)))
        }()
        defer { close(fd) }
        let client = client()
        defer { client.shutdown() }
        let url = "https://127.0.0.1:\(port)/v1/messages"
        let error = await #expect(throws: HTTPClientError.self) { try await client.send(HTTPClientRequest(url: url)) }
        #expect(error == .cannotConnect(url: url, reason: "connection refused"))
        #expect(error?.description == "could not connect to \(url): connection refused")
    }

    @Test func slowServerTimesOut() async throws {
        let gate = Gate()
        let client = client { $0.timeout = .milliseconds(300) }
        defer { client.shutdown() }
        try await withServer(handler: { _ in
            _ = await gate.wait()
            return HTTPResponse(status: 200)
        }) { _, port in
            let url = "https://localhost:\(port)/never"
            let error = await #expect(throws: HTTPClientError.self) { try await client.send(HTTPClientRequest(url: url)) }
            #expect(error == .timedOut(url: url, after: .milliseconds(300)))
            #expect(error?.description == "request to \(url) timed out after 300 ms")
            gate.open()
        }
    }

    @Test func consecutiveRequestsReuseOneConnection() async throws {
        let client = client()
        defer { client.shutdown() }
        try await withServer(handler: echoHandler) { server, port in
            var reused: [Bool] = []
            for index in 0..<5 {
                let response = try await client.send(HTTPClientRequest(method: "POST", url: "https://localhost:\(port)/\(index)", body: [1, 2, 3]))
                #expect(response.status == 200)
                reused.append(response.reusedConnection)
            }
            #expect(reused == [false, true, true, true, true])
            #expect(server.statistics.acceptedConnections == 1)
            #expect(server.statistics.requestsServed == 5)
        }
    }

    @Test func hundredConcurrentRequestsAllSucceedWithinTheTransferBound() async throws {
        let client = client { $0.maxConcurrentTransfers = 16 }
        defer { client.shutdown() }
        try await withServer(handler: echoHandler) { server, port in
            let paths = try await withThrowingTaskGroup(of: String.self) { group in
                for index in 0..<100 {
                    group.addTask {
                        let response = try await client.send(HTTPClientRequest(method: "POST", url: "https://localhost:\(port)/item/\(index)",
                                                                               body: Array("item \(index)".utf8)))
                        guard response.status == 200 else { throw TestFailure("status \(response.status)") }
                        return fields(String(decoding: response.body, as: UTF8.self))["path"] ?? ""
                    }
                }
                return try await group.reduce(into: Set<String>()) { $0.insert($1) }
            }
            #expect(paths == Set((0..<100).map { "/item/\($0)" }))
            #expect(server.statistics.acceptedConnections <= 16)
        }
    }

    @Test func responseOverTheBodyLimitIsAbandoned() async throws {
        let client = client { $0.maxResponseBodyBytes = 1000 }
        defer { client.shutdown() }
        try await withServer(handler: { _ in HTTPResponse(status: 200, body: testBytes(50_000)) }) { _, port in
            let url = "https://localhost:\(port)/big"
            let error = await #expect(throws: HTTPClientError.self) { try await client.send(HTTPClientRequest(url: url)) }
            #expect(error == .responseTooLarge(url: url, limit: 1000))
        }
    }

    @Test(arguments: ["ftp://localhost/x", "file:///etc/passwd", "not a url"])
    func nonHTTPURLsAreRefused(url: String) async throws {
        let client = client()
        defer { client.shutdown() }
        let error = await #expect(throws: HTTPClientError.self) { try await client.send(HTTPClientRequest(url: url)) }
        guard case .invalidRequest? = error else { Issue.record("wrong error: \(String(describing: error))"); return }
    }

    @Test func cancellingTheTaskAbandonsTheRequest() async throws {
        let gate = Gate()
        let client = client()
        defer { client.shutdown() }
        try await withServer(handler: { _ in
            _ = await gate.wait()
            return HTTPResponse(status: 200)
        }) { _, port in
            let url = "https://localhost:\(port)/wait"
            let task = Task { try await client.send(HTTPClientRequest(url: url)) }
            #expect(await eventually { gate.arrivals == 1 })
            task.cancel()
            let result = await task.result
            #expect(throws: HTTPClientError.cancelled(url: url)) { try result.get() }
            gate.open()
        }
    }

    @Test func shutdownFailsRequestsStillRunning() async throws {
        let gate = Gate()
        let client = client()
        try await withServer(handler: { _ in
            _ = await gate.wait()
            return HTTPResponse(status: 200)
        }) { _, port in
            let task = Task { try await client.send(HTTPClientRequest(url: "https://localhost:\(port)/wait")) }
            #expect(await eventually { gate.arrivals == 1 })
            client.shutdown()
            let result = await task.result
            #expect(throws: HTTPClientError.shutDown) { try result.get() }
            let after = await #expect(throws: HTTPClientError.self) { try await client.send(HTTPClientRequest(url: "https://localhost:\(port)/")) }
            #expect(after == .shutDown)
            gate.open()
        }
    }
}
