/// A snapshot of the server's counters, for metrics and tests.
public struct HTTPServerStatistics: Sendable, Hashable {
    public var openConnections: Int
    /// Highest number of connections open at the same time since start.
    public var peakOpenConnections: Int
    /// TCP connections accepted (including those refused over `maxConnections`).
    public var acceptedConnections: Int
    /// Connections closed at once because `maxConnections` were open.
    public var refusedConnections: Int
    /// TLS handshakes that failed or did not finish within the handshake timeout.
    public var failedHandshakes: Int
    /// Connections closed after the idle timeout.
    public var idleTimeouts: Int
    /// Responses from the handler written to a client.
    public var requestsServed: Int
    /// Requests in a handler right now.
    public var inFlightRequests: Int
    /// Connections holding a complete request that waits for a handler slot.
    public var waitingForCapacity: Int
    /// Bytes the open connections hold in input buffers. A connection waiting for its next
    /// request holds none, so with only idle connections open this is 0.
    public var inputBufferBytes: Int
    /// Requests the server answered itself, by problem slug (`bad-request`, `request-timeout`, ...).
    public var rejected: [String: Int]
    /// False once shutdown has closed the listening socket.
    public var accepting: Bool

    public init(openConnections: Int = 0, peakOpenConnections: Int = 0, acceptedConnections: Int = 0,
                refusedConnections: Int = 0, failedHandshakes: Int = 0, idleTimeouts: Int = 0, requestsServed: Int = 0,
                inFlightRequests: Int = 0, waitingForCapacity: Int = 0, inputBufferBytes: Int = 0, rejected: [String: Int] = [:], accepting: Bool = false) {
        self.openConnections = openConnections
        self.peakOpenConnections = peakOpenConnections
        self.acceptedConnections = acceptedConnections
        self.refusedConnections = refusedConnections
        self.failedHandshakes = failedHandshakes
        self.idleTimeouts = idleTimeouts
        self.requestsServed = requestsServed
        self.inFlightRequests = inFlightRequests
        self.waitingForCapacity = waitingForCapacity
        self.inputBufferBytes = inputBufferBytes
        self.rejected = rejected
        self.accepting = accepting
    }
}
