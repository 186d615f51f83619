import UraHTTPCore
import UraHTTPServer

/// Where and how `HTTPSLoadGenerator` sends its requests.
public struct LoadGeneratorConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var path: String
    public var method: String
    /// Sent with every request (`Host` and `Content-Length` are added).
    public var headers: HTTPHeaders
    /// Keep-alive connections, opened (and TLS-handshaken) before timing starts.
    public var connections: Int
    /// Threads sharing the connections, each with its own epoll loop.
    public var threads: Int
    /// Requests per second to start (open loop: latency counts from the scheduled start, so a
    /// stalled server shows up as queueing); nil: closed loop, each connection sends its next
    /// request as soon as its previous answer arrives.
    public var targetRate: Double?
    /// false: plain HTTP (tests, comparisons).
    public var useTLS: Bool
    public var clientCertificate: PEMSource?
    public var clientKey: PEMSource?
    /// CAs the server certificate is verified against; nil: the system's store.
    public var trustedAuthorities: PEMSource?
    /// TLS server name (SNI and certificate check).
    public var serverName: String
    /// The whole run gives up after this; unfinished requests count as failures.
    public var runTimeout: Duration

    public init(host: String = "127.0.0.1", port: Int, path: String = "/", method: String = "POST",
                headers: HTTPHeaders = ["Content-Type": "application/octet-stream"], connections: Int = 64, threads: Int = 1,
                targetRate: Double? = nil, useTLS: Bool = true, clientCertificate: PEMSource? = nil, clientKey: PEMSource? = nil,
                trustedAuthorities: PEMSource? = nil, serverName: String = "localhost", runTimeout: Duration = .seconds(300)) {
        self.host = host
        self.port = port
        self.path = path
        self.method = method
        self.headers = headers
        self.connections = connections
        self.threads = threads
        self.targetRate = targetRate
        self.useTLS = useTLS
        self.clientCertificate = clientCertificate
        self.clientKey = clientKey
        self.trustedAuthorities = trustedAuthorities
        self.serverName = serverName
        self.runTimeout = runTimeout
    }
}
