import UraTestSupport
import Foundation
import UraHTTPCore
import UraHTTPServer

/// Starts a server on 127.0.0.1 with an ephemeral port (TLS from the test PKI unless `tls` is
/// false), runs `body`, and shuts the server down whatever happens.
public func withServer<T: Sendable>(tls: Bool = true, _ configure: (inout HTTPServerConfiguration) -> Void = { _ in },
                             handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse,
                             _ body: (HTTPServer, Int) async throws -> T) async throws -> T {
    var configuration = HTTPServerConfiguration(host: "127.0.0.1", port: 0, tls: tls ? TestPKI.shared.serverTLS() : nil)
    // The whole suite shares two cores: a client thread may wait seconds for the CPU between
    // its ClientHello and its Finished. Tests of a timeout set that timeout themselves.
    configuration.timeouts = HTTPServerTimeouts(handshake: .seconds(60), header: .seconds(60), body: .seconds(60), idle: .seconds(60),
                                                unverifiedIdle: .seconds(60))
    configure(&configuration)
    let server = HTTPServer(configuration: configuration, handler: handler)
    let port = try server.start()
    do {
        let result = try await body(server, port)
        await server.shutdown(gracePeriod: .seconds(5))
        return result
    } catch {
        await server.shutdown(gracePeriod: .seconds(1))
        throw error
    }
}

/// Runs the `curl` CLI against the test PKI's CA (off the cooperative pool).
public func curl(_ arguments: [String]) async throws -> ProcessResult {
    let base = ["-sS", "--max-time", "20", "--cacert", TestPKI.shared.caCertificate]
    return try await blocking { try runProcess("/usr/bin/curl", base + arguments) }
}

/// Answers with what the server saw, one `key=value` per line, so curl tests can check it.
public let echoHandler: @Sendable (HTTPRequest) async -> HTTPResponse = { request in
    var lines = ["method=\(request.method)", "path=\(request.path)", "bytes=\(request.body.count)",
                 "connection=\(request.connectionID)"]
    for (name, value) in request.query { lines.append("query.\(name)=\(value)") }
    if let peer = request.peer {
        lines += ["peer.fingerprint=\(peer.sha256Fingerprint)", "peer.spki=\(peer.spkiSHA256)",
                  "peer.cn=\(peer.subjectCommonName ?? "-")", "peer.verified=\(peer.chainVerified)",
                  "peer.error=\(peer.verificationError ?? "-")"]
    } else {
        lines.append("peer=none")
    }
    if !request.body.isEmpty { lines.append("checksum=\(checksum(request.body))") }
    return HTTPResponse(status: 200, contentType: "text/plain", body: lines.joined(separator: "\n") + "\n")
}

/// A cheap order-sensitive checksum (FNV-1a) to compare bodies without echoing megabytes.
public func checksum(_ bytes: [UInt8]) -> String {
    var hash: UInt64 = 0xcbf2_9ce4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    return String(hash, radix: 16)
}

/// `key=value` lines (from `echoHandler`) as a dictionary.
public func fields(_ text: String) -> [String: String] {
    var result: [String: String] = [:]
    for line in text.split(separator: "\n") {
        guard let equals = line.firstIndex(of: "=") else { continue }
        result[String(line[..<equals])] = String(line[line.index(after: equals)...])
    }
    return result
}

/// Deterministic pseudo-random bytes (so a failure can be reproduced).
public func testBytes(_ count: Int, seed: UInt64 = 42) -> [UInt8] {
    var state = seed
    return (0..<count).map { _ in
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}

/// Writes bytes to a fresh file in the test PKI's private directory and returns its path.
public func temporaryFile(_ bytes: [UInt8]) throws -> String {
    let path = TestPKI.shared.directory + "/body-\(UUID().uuidString)"
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}
