import UraBasics
import Foundation
import Glibc
import COpenSSL
import UraCrypto
import Dispatch
import UraHTTPCore
import UraHTTPServer

/// A TLS load generator for benchmarks: N keep-alive connections (with a client certificate)
/// driven by OpenSSL directly on a few threads, one request in flight per connection, each
/// request body used once; closed loop or paced at a target rate; per-request latency.
///
/// Connections and handshakes happen before the clock starts. The generator ignores SIGPIPE
/// for the process (its sockets write through OpenSSL's socket BIO).
public struct HTTPSLoadGenerator: Sendable {
    public let configuration: LoadGeneratorConfiguration

    public init(configuration: LoadGeneratorConfiguration) { self.configuration = configuration }

    /// Runs the workload on the generator's own threads.
    public func run(_ workload: LoadWorkload) async throws(LoadGeneratorError) -> LoadResult {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<LoadResult, LoadGeneratorError>, Never>) in
            let thread = Thread { [self] in
                do throws(LoadGeneratorError) { continuation.resume(returning: .success(try runBlocking(workload))) }
                catch { continuation.resume(returning: .failure(error)) }
            }
            thread.start()
        }
        return try result.get()
    }

    /// Runs the workload, blocking the calling thread until it is done.
    public func runBlocking(_ workload: LoadWorkload) throws(LoadGeneratorError) -> LoadResult {
        signal(SIGPIPE, SIG_IGN)
        var tls: ClientTLSContext?
        if configuration.useTLS {
            do {
                tls = try ClientTLSContext(certificate: configuration.clientCertificate, key: configuration.clientKey,
                                           trust: configuration.trustedAuthorities)
            } catch {
                throw LoadGeneratorError("TLS setup failed: \(error)")
            }
        }
        let address: SocketAddress
        do { address = try SocketAddress.resolve(host: configuration.host, port: configuration.port) }
        catch { throw LoadGeneratorError("\(error)") }

        let run = LoadRun(configuration: configuration, workload: workload)
        let workers = (0..<max(1, configuration.threads)).map { _ in LoadWorker(run: run) }
        for index in 0..<max(1, configuration.connections) {
            let (fd, ssl) = try connect(address, tls: tls, number: index)
            workers[index % workers.count].adopt(fd: fd, ssl: ssl)
        }

        let start = SystemCall.monotonicNanoseconds()
        run.start.store(start, ordering: .releasing)
        run.deadline.store(start + configuration.runTimeout.nanoseconds, ordering: .releasing)
        let group = DispatchGroup()
        let firstRound = DispatchGroup()
        for _ in workers { firstRound.enter() }
        for (index, worker) in workers.enumerated() {
            group.enter()
            let thread = Thread {
                worker.runLoop(firstRound: firstRound)
                group.leave()
            }
            thread.name = "ura-load-\(index)"
            thread.start()
        }
        group.wait()

        var statusCounts: [Int: Int] = [:]
        var latencies: [UInt64] = []
        var failures = 0
        var last = start
        for worker in workers {
            statusCounts.merge(worker.statusCounts, uniquingKeysWith: +)
            latencies += worker.latencies
            failures += worker.failures
            last = max(last, worker.lastAnswer)
        }
        failures += max(0, workload.count - latencies.count - failures)
        return LoadResult(statusCounts: statusCounts, failures: failures, duration: .nanoseconds(Int64(last - start)),
                          latency: LatencySummary(nanoseconds: latencies), connections: configuration.connections)
    }

    /// Opens one connection with blocking calls (and a 10 s limit) and finishes its handshake.
    private func connect(_ address: SocketAddress, tls: ClientTLSContext?, number: Int) throws(LoadGeneratorError) -> (Int32, OpaquePointer?) {
        let target = "\(configuration.host):\(configuration.port)"
        let fd = socket(address.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw LoadGeneratorError("connection \(number + 1): socket: \(SystemCall.errorText())") }
        var limit = timeval(tv_sec: 10, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var storage = address.storage
        let connected = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, address.length) }
        }
        guard connected == 0 else {
            let reason = SystemCall.errorText().lowercased()
            close(fd)
            throw LoadGeneratorError("connection \(number + 1) of \(configuration.connections) to \(target) failed: \(reason)")
        }
        SystemCall.setNoDelay(fd)
        guard let tls else { return (fd, nil) }
        guard let ssl = SSL_new(tls.context) else {
            close(fd)
            throw LoadGeneratorError("cannot create a TLS connection: \(OpenSSL.drainErrors())")
        }
        SSL_set_fd(ssl, fd)
        _ = ura_ssl_set_tlsext_host_name(ssl, configuration.serverName)
        _ = SSL_set1_host(ssl, configuration.serverName)
        OpenSSL.clearErrors()
        let handshake = SSL_connect(ssl)
        guard handshake == 1 else {
            let code = SSL_get_error(ssl, handshake), errorNumber = errno
            let verify = SSL_get_verify_result(ssl)
            var reason = verify != X509_V_OK ? String(cString: X509_verify_cert_error_string(verify)) : OpenSSL.drainErrors()
            // With nothing queued, say what the socket said (SSL_ERROR_SYSCALL: EOF or errno).
            if code == SSL_ERROR_SYSCALL { reason += errorNumber == 0 ? " (the server closed the connection)" : " (\(String(cString: strerror(errorNumber))))" }
            else { reason += " (SSL_get_error \(code))" }
            OpenSSL.clearErrors()
            SSL_free(ssl)
            close(fd)
            throw LoadGeneratorError("TLS handshake of connection \(number + 1) with \(target) failed: \(reason)")
        }
        return (fd, ssl)
    }
}
