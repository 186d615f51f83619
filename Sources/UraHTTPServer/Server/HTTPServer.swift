import Glibc
import Synchronization
import UraBasics
import UraHTTPCore

/// An HTTP/1.1 server over TLS (or plain TCP): a few epoll event loops own the connections and
/// parse strictly; handlers run off the loops as tasks. See `README.md` for the threading model.
///
/// ```swift
/// let server = HTTPServer(configuration: .init(port: 8443, tls: tls)) { request in
///     HTTPResponse(status: 200, contentType: "text/plain", body: "hello")
/// }
/// let port = try server.start()
/// ...
/// await server.shutdown(gracePeriod: .seconds(10))
/// ```
/// A started server runs until `shutdown` (its loop threads keep it alive), so call it.
public final class HTTPServer: Sendable {
    private enum State {
        case created
        case running(ServerCore, port: Int)
        case stopping(ServerCore)
        case stopped(ServerCore)
    }

    public let configuration: HTTPServerConfiguration
    private let handler: any HTTPHandler
    private let counters = ServerCounters()
    private let state = Mutex<State>(.created)

    public init(configuration: HTTPServerConfiguration, handler: some HTTPHandler) {
        self.configuration = configuration
        self.handler = handler
    }

    public convenience init(configuration: HTTPServerConfiguration,
                            handler: @escaping @Sendable (HTTPRequest) async -> HTTPResponse) {
        self.init(configuration: configuration, handler: HTTPClosureHandler(handler))
    }

    /// Loads TLS material, binds the listening socket (which every event loop shares) and starts
    /// the loops. Returns the bound port (useful with port 0). Fails when the address is in use.
    @discardableResult
    public func start() throws(HTTPServerError) -> Int {
        let alreadyStarted = state.withLock { state -> Bool in
            if case .created = state { return false }
            return true
        }
        if alreadyStarted { throw .alreadyStarted }
        SystemCall.raiseFileDescriptorLimit()
        var tls: ServerTLSContext?
        if let configuration = configuration.tls {
            do { tls = try ServerTLSContext(configuration) } catch { throw .tls(error) }
        }
        let core = ServerCore(configuration: configuration, handler: handler, tls: tls, counters: counters)
        let (fd, port) = try SocketAddress.listen(host: configuration.host, port: configuration.port, backlog: configuration.listenBacklog)
        let listener = Listener(fd: fd)
        // Let go once every loop holds it (or, if one could not be made, once the others let go).
        defer { listener.release() }
        var loops: [EventLoop] = []
        do throws(HTTPServerError) {
            for index in 0..<max(1, configuration.eventLoops) {
                loops.append(try EventLoop(index: index, core: core, listener: listener))
            }
        } catch {
            for loop in loops { loop.closeWithoutRunning() }
            throw error
        }
        core.loops.withLock { $0 = loops }
        let started = state.withLock { state -> Bool in
            guard case .created = state else { return false }
            state = .running(core, port: port)
            return true
        }
        guard started else {
            for loop in loops { loop.closeWithoutRunning() }
            throw .alreadyStarted
        }
        if configuration.releaseMemoryAfterCloses { MemoryTrimmer.shared.enable() }
        for loop in loops { loop.start() }
        return port
    }

    /// Loads the certificate chain, the key and the client CAs again from `configuration.tls`
    /// (their files, when they are files) and makes every connection accepted from now on with
    /// them; connections already open keep what they were made with. When the new files cannot be
    /// used (a key that does not match the certificate, say) this throws and the server goes on
    /// with what it had. Returns the certificate now served.
    @discardableResult
    public func reloadTLS() throws(HTTPServerError) -> ServedCertificate {
        guard let configuration = configuration.tls else { throw .notRunningWithTLS }
        return try reloadTLS(with: configuration)
    }

    /// As `reloadTLS()`, with `configuration` in place of the one the server was made with (the
    /// client CAs of `urad` change when a peer gateway's CA is added: `UraFederation`).
    @discardableResult
    public func reloadTLS(with configuration: TLSConfiguration) throws(HTTPServerError) -> ServedCertificate {
        let core = state.withLock { state -> ServerCore? in
            if case .running(let core, _) = state { return core }
            return nil
        }
        guard let core, core.tls != nil else { throw .notRunningWithTLS }
        let context: ServerTLSContext
        do { context = try ServerTLSContext(configuration) } catch { throw .tls(error) }
        core.replaceTLS(context)
        return context.served
    }

    /// The certificate new connections are served, once started with TLS.
    public var servedCertificate: ServedCertificate? {
        state.withLock { state in
            if case .running(let core, _) = state { return core.tls?.served }
            return nil
        }
    }

    /// The bound port once started.
    public var port: Int? {
        state.withLock { state in
            if case .running(_, let port) = state { return port }
            return nil
        }
    }

    public var statistics: HTTPServerStatistics { counters.snapshot }

    /// Stops accepting (the listening socket closes at once, so new connections are refused), closes idle
    /// connections (after writing the rest of a response still going out), lets requests under
    /// way finish and their responses be written (with `Connection: close`), then returns. After `gracePeriod`, remaining connections are closed
    /// and their handlers cancelled.
    public func shutdown(gracePeriod: Duration = .seconds(10)) async {
        let core = state.withLock { state -> ServerCore? in
            switch state {
            case .created: return nil
            case .running(let core, _):
                state = .stopping(core)
                let deadline = SystemCall.monotonicNanoseconds() + gracePeriod.nanoseconds
                for loop in core.loops.withLock({ $0 }) { loop.post(.shutdown(deadline: deadline)) }
                return core
            case .stopping(let core), .stopped(let core): return core
            }
        }
        guard let core else { return }
        await core.waitForLoopsToExit()
        state.withLock { $0 = .stopped(core) }
    }
}
