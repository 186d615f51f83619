import UraProvisioning
import UraClient
import UraDaemon
import Foundation
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraLoad
import UraProtocol
import UraStoreSQLite

/// HTTPS server throughput and latency: an in-process TLS server (client certificates on, a
/// trivial handler answering 202 with 300 bytes) under the TLS load generator on the same machine.
///
/// `ura-bench http [--connections 64] [--requests 200000] [--body 4096] [--loops 2]
///                 [--threads 1] [--runs 3] [--rate R] [--target host:port --ca F --cert F --key F]`
/// Without `--rate` the load is closed-loop (throughput); with it, requests start on schedule
/// and latency counts from the scheduled start. `--target` measures an external server (a
/// reference such as nginx) with the same generator; it must answer 202.
enum HTTPBench {
    static func run(_ arguments: [String]) throws {
        let options = try Options(arguments)
        let pki = try options.target == nil ? BenchPKI() : nil
        defer { pki?.remove() }
        let ca = options.ca ?? pki?.path("ca.pem") ?? ""
        let clientCertificate = options.certificate ?? pki?.path("client.pem") ?? ""
        let clientKey = options.key ?? pki?.path("client.key") ?? ""

        var server: HTTPServer?
        var port = options.target?.port ?? 0
        if let pki {
            let reply = HTTPResponse(status: 202, headers: ["Content-Type": "application/json"], body: Array(repeating: UInt8(ascii: "x"), count: 300))
            let inProcess = HTTPServer(
                configuration: HTTPServerConfiguration(
                    host: "127.0.0.1", port: 0,
                    tls: TLSConfiguration(certificateChain: .file(pki.path("server.pem")), privateKey: .file(pki.path("server.key")),
                                          clientCertificateAuthorities: .file(pki.path("ca.pem"))),
                    eventLoops: options.loops),
                handler: { _ in reply })
            port = try inProcess.start()
            server = inProcess
        }
        defer { if let server { waitFor { await server.shutdown(gracePeriod: .seconds(2)) } } }

        var load = LoadGeneratorConfiguration(
            host: options.target?.host ?? "127.0.0.1", port: port, path: "/v1/messages",
            headers: ["Content-Type": "application/jose+json"],
            connections: options.connections, threads: options.threads, targetRate: nil,
            clientCertificate: .file(clientCertificate), clientKey: .file(clientKey), trustedAuthorities: .file(ca))
        let body = [UInt8](repeating: UInt8(ascii: "b"), count: options.body)

        // Warm-up, closed loop: caches, allocator, the cooperative pool's threads.
        _ = try HTTPSLoadGenerator(configuration: load).runBlocking(.repeated(body, count: min(options.requests, 20_000)))
        load.targetRate = options.rate
        let generator = HTTPSLoadGenerator(configuration: load)
        var results: [LoadResult] = []
        for _ in 0..<options.runs {
            let result = try generator.runBlocking(.repeated(body, count: options.requests))
            results.append(result)
            let name = options.rate.map { "tls-post-\(options.body)B-\(Int($0))rps" } ?? "tls-post-\(options.body)B-\(options.connections)conn"
            report(suite: "http", case: name, rate: result.throughput, unit: "req/s", extra: [
                "p50_ms": milliseconds(result.latency.p50), "p90_ms": milliseconds(result.latency.p90),
                "p99_ms": milliseconds(result.latency.p99), "max_ms": milliseconds(result.latency.max),
                "answered": "\(result.answered)", "failures": "\(result.failures)",
                "server": options.target.map { "external \($0.host):\($0.port)" } ?? "UraHTTP, \(options.loops) loops",
            ])
            guard result.failures == 0, result.statusCounts == [202: options.requests] else {
                throw BenchError("run failed: statuses \(result.statusCounts), \(result.failures) failures")
            }
        }
        // Paced runs all reach the rate; their median is the one with the median p99.
        let median = options.rate == nil ? results.sorted { $0.throughput < $1.throughput }[results.count / 2]
                                         : results.sorted { $0.latency.p99 < $1.latency.p99 }[results.count / 2]
        print("http: median of \(results.count) runs: \(Int(median.throughput)) req/s, p50 \(milliseconds(median.latency.p50)) ms, "
              + "p99 \(milliseconds(median.latency.p99)) ms (\(options.connections) connections, \(options.body)-byte bodies)")
    }

    private static func milliseconds(_ duration: Duration) -> String {
        let ms = Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
        return String(format: "%.2f", ms)
    }

    /// Runs async work to completion from this synchronous benchmark.
    private static func waitFor(_ work: @escaping @Sendable () async -> Void) {
        let done = DispatchSemaphore(value: 0)
        Task {
            await work()
            done.signal()
        }
        done.wait()
    }

    private struct Options {
        var connections = 64
        var requests = 200_000
        var body = 4096
        var loops = 2
        var threads = 1
        var runs = 3
        var rate: Double?
        /// An external server to measure instead of the in-process one (a reference such as nginx).
        var target: (host: String, port: Int)?
        var ca: String?
        var certificate: String?
        var key: String?

        init(_ arguments: [String]) throws {
            var iterator = arguments.makeIterator()
            while let flag = iterator.next() {
                guard let value = iterator.next() else { throw BenchError("\(flag) needs a value") }
                switch flag {
                case "--connections": connections = try Self.positive(flag, value)
                case "--requests": requests = try Self.positive(flag, value)
                case "--body": body = try Self.positive(flag, value, allowZero: true)
                case "--loops": loops = try Self.positive(flag, value)
                case "--threads": threads = try Self.positive(flag, value)
                case "--runs": runs = try Self.positive(flag, value)
                case "--rate": rate = Double(try Self.positive(flag, value))
                case "--target":
                    guard let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]) else {
                        throw BenchError("--target takes host:port, not \"\(value)\"")
                    }
                    target = (String(value[..<colon]), port)
                case "--ca": ca = value
                case "--cert": certificate = value
                case "--key": key = value
                default: throw BenchError("unknown option \(flag); see the comment of HTTPBench for the options")
                }
            }
            if target != nil && (ca == nil || certificate == nil || key == nil) {
                throw BenchError("--target needs --ca, --cert and --key (the external server's CA and a client certificate it trusts)")
            }
        }

        private static func positive(_ flag: String, _ value: String, allowZero: Bool = false) throws -> Int {
            guard let number = Int(value), number > 0 || (allowZero && number == 0) else {
                throw BenchError("\(flag) takes a positive whole number, not \"\(value)\"")
            }
            return number
        }
    }
}

/// Throwaway certificates for the benchmark, made with the `openssl` CLI in a private temporary
/// directory (keys 0600) and removed afterwards.
private struct BenchPKI {
    let directory: String

    init() throws {
        directory = NSTemporaryDirectory() + "ura-bench-http-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        try "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
            .write(toFile: path("server.ext"), atomically: true, encoding: .utf8)
        try "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n".write(toFile: path("client.ext"), atomically: true, encoding: .utf8)
        for name in ["ca", "server", "client"] {
            try openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path("\(name).key")])
            try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path("\(name).key"))
        }
        try openssl(["req", "-x509", "-new", "-key", path("ca.key"), "-subj", "/CN=Bench CA", "-days", "2", "-out", path("ca.pem"),
                     "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign"])
        for (name, commonName) in [("server", "localhost"), ("client", "al.bench.client")] {
            try openssl(["req", "-new", "-key", path("\(name).key"), "-subj", "/CN=\(commonName)", "-out", path("\(name).csr")])
            try openssl(["x509", "-req", "-in", path("\(name).csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
                         "-set_serial", "\(Int.random(in: 1...1_000_000))", "-days", "2", "-out", path("\(name).pem"),
                         "-extfile", path("\(name).ext")])
        }
    }

    func path(_ name: String) -> String { directory + "/" + name }

    func remove() { try? FileManager.default.removeItem(atPath: directory) }

    private func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("openssl \(arguments[0]) failed: \(String(decoding: message, as: UTF8.self))")
        }
    }
}
