/// Why `HTTPServer.start()` could not start listening, or `reloadTLS()` could not reload.
public enum HTTPServerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The TLS certificate, key or client CA could not be loaded.
    case tls(TLSSetupError)
    /// The host could not be resolved to an address.
    case cannotResolve(host: String, reason: String)
    /// socket/bind/listen failed (port in use, permission...).
    case cannotListen(address: String, reason: String)
    /// epoll, eventfd or a thread could not be created.
    case cannotCreateEventLoop(reason: String)
    case alreadyStarted
    /// `reloadTLS()` on a server that is not running, or that listens without TLS.
    case notRunningWithTLS

    public var description: String {
        switch self {
        case .tls(let error): "TLS setup failed: \(error)"
        case .cannotResolve(let host, let reason): "cannot resolve \(host) to a listening address: \(reason)"
        case .cannotListen(let address, let reason):
            "cannot listen on \(address): \(reason); choose another port or stop the process that holds it"
        case .cannotCreateEventLoop(let reason): "cannot create an event loop: \(reason)"
        case .alreadyStarted: "the server was already started; create a new HTTPServer to listen again"
        case .notRunningWithTLS: "the server is not running with TLS, so there is no TLS to reload"
        }
    }
}
