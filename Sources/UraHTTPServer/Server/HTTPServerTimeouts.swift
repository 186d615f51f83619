/// Deadlines on the monotonic clock; each one closes the connection when it passes (after a 408
/// problem where a request was being read).
public struct HTTPServerTimeouts: Sendable, Hashable {
    /// From accepting the TCP connection to the end of the TLS handshake.
    public var handshake: Duration = .seconds(10)
    /// From the first byte of a request to the end of its header section → 408.
    public var header: Duration = .seconds(10)
    /// From the end of the header section to the last byte of the body → 408.
    public var body: Duration = .seconds(30)
    /// A connection with no request under way (after the handshake or between keep-alive
    /// requests); one still writing its last response is not idle (`write` watches it).
    public var idle: Duration = .seconds(60)
    /// `idle` for a connection without a client certificate that verified, on a listener that
    /// asks for one (`clientCertificateAuthorities`): strangers and probes hold a slot only briefly.
    public var unverifiedIdle: Duration = .seconds(10)
    /// A response the client stopped reading: this long without the socket taking a byte of it or
    /// the client acknowledging one (progress starts it afresh: a slow, steady reader gets it all).
    public var write: Duration = .seconds(30)

    public init(handshake: Duration = .seconds(10), header: Duration = .seconds(10), body: Duration = .seconds(30),
                idle: Duration = .seconds(60), unverifiedIdle: Duration = .seconds(10), write: Duration = .seconds(30)) {
        self.handshake = handshake
        self.header = header
        self.body = body
        self.idle = idle
        self.unverifiedIdle = unverifiedIdle
        self.write = write
    }
}
