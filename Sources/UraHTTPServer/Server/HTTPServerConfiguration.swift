import UraHTTPCore

/// Everything an `HTTPServer` needs to listen: address, TLS (nil: plain HTTP), caps and timeouts.
public struct HTTPServerConfiguration: Sendable {
    /// Address to bind: an IPv4/IPv6 literal or a name (`127.0.0.1`, `::`, `0.0.0.0`, `localhost`).
    public var host: String
    /// TCP port; 0 picks a free one (`HTTPServer.start()` returns it).
    public var port: Int
    /// nil serves plain HTTP (for an admin listener on 127.0.0.1, and tests).
    public var tls: TLSConfiguration?
    public var limits: HTTPServerLimits
    public var timeouts: HTTPServerTimeouts
    /// Threads running an epoll loop each; they share one listening socket (EPOLLEXCLUSIVE).
    public var eventLoops: Int
    /// Connections beyond this many are closed as soon as they are accepted.
    public var maxConnections: Int
    /// Requests being handled at once; when reached, loops stop reading further requests until a
    /// handler finishes (connections wait, none is dropped). Long polls count against it.
    public var maxInFlightRequests: Int
    public var listenBacklog: Int
    /// After a burst of closed connections, give the freed heap memory back to the kernel
    /// (glibc `malloc_trim` on a thread of its own, `MemoryTrimmer`). For a daemon's one big
    /// listener; off by default, as a process with many small servers (tests) gains nothing.
    public var releaseMemoryAfterCloses: Bool

    public init(host: String = "127.0.0.1", port: Int = 0, tls: TLSConfiguration? = nil,
                limits: HTTPServerLimits = HTTPServerLimits(), timeouts: HTTPServerTimeouts = HTTPServerTimeouts(),
                eventLoops: Int = 2, maxConnections: Int = 10_000, maxInFlightRequests: Int = 1_024,
                listenBacklog: Int = 1_024, releaseMemoryAfterCloses: Bool = false) {
        self.host = host
        self.port = port
        self.tls = tls
        self.limits = limits
        self.timeouts = timeouts
        self.eventLoops = eventLoops
        self.maxConnections = maxConnections
        self.maxInFlightRequests = maxInFlightRequests
        self.listenBacklog = listenBacklog
        self.releaseMemoryAfterCloses = releaseMemoryAfterCloses
    }
}
