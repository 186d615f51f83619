import Foundation
import Glibc
import COpenSSL

/// A blocking HTTP client over a real socket (TLS through OpenSSL, or plain TCP) that sends
/// exactly the bytes a test gives it, so malformed requests reach the server unaltered.
/// Reads time out after `receiveTimeout` instead of hanging a test forever.
/// @unchecked: a test uses one client from one thread at a time, handing it over between steps.
public final class RawClient: @unchecked Sendable {
    private var fd: Int32
    private var context: OpaquePointer?
    private var ssl: OpaquePointer?
    private var received: [UInt8] = []

    public struct TLSOptions: Sendable {
        public var caFile: String
        public var certificateFile: String?
        public var keyFile: String?
        /// Offered for resumption (from `session()` of an earlier connection).
        public var session: Session?
        /// The highest protocol version to offer (`TLS1_2_VERSION`…); nil: OpenSSL's.
        public var maximumVersion: Int32?

        public init(caFile: String, certificateFile: String? = nil, keyFile: String? = nil, session: Session? = nil,
                    maximumVersion: Int32? = nil) {
            self.caFile = caFile
            self.certificateFile = certificateFile
            self.keyFile = keyFile
            self.session = session
            self.maximumVersion = maximumVersion
        }
    }

    /// A TLS session, kept to offer it again on a later connection.
    public final class Session: @unchecked Sendable {
        // @unchecked: an SSL_SESSION is reference-counted by OpenSSL and only read once made.
        let pointer: OpaquePointer
        init(_ pointer: OpaquePointer) { self.pointer = pointer }
        deinit { SSL_SESSION_free(pointer) }
    }

    /// `receiveBuffer` (bytes) fixes the socket's receive buffer before connecting, so the
    /// server's writes block as soon as the client stops reading.
    public init(port: Int, tls: TLSOptions?, receiveTimeout: Duration = .seconds(60), receiveBuffer: Int? = nil) throws {
        Self.ignoreBrokenPipe
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: \(String(cString: strerror(errno)))") }
        var timeout = timeval(tv_sec: Int(receiveTimeout.components.seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if var size = receiveBuffer.map(Int32.init) {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close()  // not Glibc.close: the deinit runs after a throwing init and would close the number again
            throw TestFailure("connect to 127.0.0.1:\(port): \(reason)")
        }
        guard let tls else { return }
        context = SSL_CTX_new(TLS_client_method())
        SSL_CTX_load_verify_locations(context, tls.caFile, nil)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if let version = tls.maximumVersion { SSL_CTX_ctrl(context, SSL_CTRL_SET_MAX_PROTO_VERSION, Int(version), nil) }
        if let certificate = tls.certificateFile, let key = tls.keyFile {
            SSL_CTX_use_certificate_chain_file(context, certificate)
            SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM)
        }
        ssl = SSL_new(context)
        SSL_set_fd(ssl, fd)
        if let session = tls.session { SSL_set_session(ssl, session.pointer) }
        _ = ura_ssl_set_tlsext_host_name(ssl, "localhost")
        let result = SSL_connect(ssl)
        guard result == 1 else {
            let sslError = SSL_get_error(ssl, result)
            let systemError = errno
            var text = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(ERR_get_error(), &text, text.count)
            close()
            // SSL_ERROR_SYSCALL (5) with errno 0 is an end of stream from the server, with
            // ECONNRESET a reset, with EAGAIN our receive timeout.
            let reason = String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            throw TestFailure("TLS handshake with the server failed: SSL error \(sslError), errno \(systemError) (\(String(cString: strerror(systemError)))), \(reason)")
        }
    }

    deinit { close() }

    /// The connection's TLS session (with TLS 1.3 tickets only after a response was read).
    public func session() -> Session? { ssl.flatMap(SSL_get1_session).map(Session.init) }

    /// The handshake resumed the offered session instead of a full one.
    public var resumedSession: Bool { ssl.map { SSL_session_reused($0) == 1 } ?? false }

    /// OpenSSL writes to the socket with write(2): a server that already closed would kill the
    /// whole test process with SIGPIPE instead of failing one test.
    private static let ignoreBrokenPipe: Void = { signal(SIGPIPE, SIG_IGN) }()

    public func close() {
        if let ssl { SSL_free(ssl) }
        if let context { SSL_CTX_free(context) }
        ssl = nil
        context = nil
        // Exactly once: a second close would hit whatever descriptor reused the number
        // (another test's socket, running in parallel).
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }

    /// Sends FIN (TCP half-close), leaving the socket open for reading.
    public func halfClose() { shutdown(fd, Int32(SHUT_WR)) }

    /// Closes with a TCP reset (SO_LINGER 0), as a crashed or killed client would.
    public func reset() {
        var immediately = linger(l_onoff: 1, l_linger: 0)
        setsockopt(fd, SOL_SOCKET, SO_LINGER, &immediately, socklen_t(MemoryLayout<linger>.size))
        close()
    }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { raw -> Int in
                if let ssl { return Int(SSL_write(ssl, raw.baseAddress! + offset, Int32(raw.count - offset))) }
                return Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { throw TestFailure("send failed after \(offset) bytes") }
            offset += count
        }
    }

    /// Reads some bytes (at most `limit`); nil at end of stream (TLS close_notify or TCP FIN).
    private func readSome(limit: Int = 64 * 1024) throws -> [UInt8]? {
        var buffer = [UInt8](repeating: 0, count: limit)
        let count = buffer.withUnsafeMutableBytes { raw -> Int in
            if let ssl { return Int(SSL_read(ssl, raw.baseAddress, Int32(raw.count))) }
            return recv(fd, raw.baseAddress, raw.count, 0)
        }
        if count > 0 { return Array(buffer.prefix(count)) }
        if let ssl {
            let error = SSL_get_error(ssl, Int32(count))
            if error == SSL_ERROR_ZERO_RETURN { return nil }
            if error == SSL_ERROR_SYSCALL && (errno == 0 || errno == ECONNRESET) { return nil }
            // A close without close_notify (the server cut the connection): also an end.
            if error == SSL_ERROR_SSL && ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING {
                ERR_clear_error()
                return nil
            }
            throw TestFailure("read failed: SSL error \(error), errno \(errno) (timed out?)")
        }
        if count == 0 { return nil }
        if errno == ECONNRESET { return nil }
        throw TestFailure("read failed: \(String(cString: strerror(errno))) (timed out?)")
    }

    /// Reads one complete response (a 100 Continue is returned as a response of its own).
    public func readResponse() throws -> RawResponse {
        while true {
            if let (response, length) = RawResponse.parse(received) {
                received.removeFirst(length)
                return response
            }
            guard let more = try readSome() else { throw TestFailure("the server closed the connection before a full response") }
            received += more
        }
    }

    /// Reads one complete response at most `piece` bytes at a time, pausing `pause` before each
    /// read: a client on a slow link that keeps reading.
    public func readResponse(piece: Int, pause: Duration) throws -> RawResponse {
        while true {
            if let (response, length) = RawResponse.parse(received) {
                received.removeFirst(length)
                return response
            }
            let (seconds, attoseconds) = pause.components
            var interval = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
            nanosleep(&interval, nil)
            guard let more = try readSome(limit: piece) else {
                throw TestFailure("the server closed the connection after \(received.count) bytes of the response")
            }
            received += more
        }
    }

    /// Reads until the server closes; returns everything that came (after buffered responses).
    public func readUntilClosed() throws -> [UInt8] {
        while let more = try readSome() { received += more }
        defer { received = [] }
        return received
    }
}
