import Glibc
import COpenSSL
import UraHTTPCore

/// One client connection, owned by exactly one event loop and touched only on its thread.
final class Connection {
    enum Phase {
        /// TLS handshake under way.
        case handshaking
        /// No byte of the next request yet (keep-alive wait).
        case idle
        /// Some bytes of a request head have arrived.
        case head
        /// The head is parsed; waiting for the rest of its body.
        case body(HTTPRequestHead)
        /// A complete request waits for a handler slot (maxInFlightRequests reached).
        case waitingForCapacity(HTTPRequestHead)
        /// A handler is working on the request; the connection is not read meanwhile.
        case handler
        /// The last response is being written; the connection closes after it.
        case closing
        /// Our side is shut down; incoming bytes are discarded until the client closes, so a
        /// client still sending a refused body reads our answer instead of a reset.
        case lingering
    }

    let id: UInt64
    let fd: Int32
    /// nil for plain HTTP.
    let ssl: OpaquePointer?
    let remoteAddress: String
    var phase: Phase
    let input: ConnectionBuffer
    var parser: HTTPRequestHeadParser
    /// Bytes (ciphertext on TLS) that the socket did not take yet.
    var pendingOutput: [UInt8] = []
    var pendingOffset = 0
    /// The socket may have unread bytes (edge-triggered epoll: set by an event, cleared by a short read).
    var socketReadable = true
    /// The client shut down its sending side (EPOLLRDHUP).
    var peerHalfClosed = false
    /// When the current phase times out (monotonic ns; .max: never).
    var deadline = UInt64.max
    /// When a blocked write gives up unless the socket takes more bytes first (0: nothing blocked).
    var writeDeadline: UInt64 = 0
    /// Unacknowledged bytes in the socket when the write timeout was armed (see `EventLoop.expire`).
    var unacknowledgedAtWriteDeadline = 0
    var peer: PeerCertificate?
    /// Counts requests, so a late response cannot land on a later request of the connection.
    var requestSerial: UInt64 = 0
    var keepAlive = true
    var isHeadRequest = false
    var handlerTask: Task<Void, Never>?
    var isOpen = true

    init(id: UInt64, fd: Int32, ssl: OpaquePointer?, remoteAddress: String, limits: HTTPServerLimits, counters: ServerCounters? = nil) {
        self.id = id
        self.fd = fd
        self.ssl = ssl
        self.remoteAddress = remoteAddress
        self.phase = ssl == nil ? .idle : .handshaking
        self.parser = HTTPRequestHeadParser(limits: limits)
        self.input = ConnectionBuffer(counters: counters)
    }

    deinit {
        if let ssl { SSL_free(ssl) }
    }

    var hasPendingOutput: Bool { pendingOffset < pendingOutput.count }

    var isInHandler: Bool {
        if case .handler = phase { return true }
        return false
    }
}
