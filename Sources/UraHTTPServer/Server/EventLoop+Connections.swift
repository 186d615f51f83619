import Glibc
import COpenSSL
import UraBasics
import UraCrypto
import UraHTTPCore

/// Moving one connection forward: TLS handshake, reading and parsing requests, starting
/// handlers, writing responses and problems, closing.
extension EventLoop {
    private enum SocketRead { case bytes, blocked, endOfStream, failed }
    private enum Handshake { case done, blocked, failed }

    /// Does everything the connection can do now without waiting, then returns.
    func drive(_ connection: Connection) {
        guard connection.isOpen else { return }
        guard flush(connection) else { return destroy(connection) }
        steps: while connection.isOpen {
            switch connection.phase {
            case .handshaking:
                switch handshake(connection) {
                case .done: continue
                case .blocked: break steps
                case .failed:
                    _ = flush(connection)  // the alert, as a courtesy
                    return destroy(connection)
                }
            case .idle, .head, .body:
                // A client that does not read its responses gets no more of them (slow reader).
                if connection.hasPendingOutput { break steps }
                if processBufferedInput(connection) { continue }
                switch fill(connection) {
                case .bytes: continue
                case .blocked:
                    // Waiting for the client: hold no memory that waiting does not need.
                    connection.input.releaseIfEmpty()
                    if case .idle = connection.phase, let ssl = connection.ssl, !connection.hasPendingOutput {
                        ServerTLSContext.releaseBIOBuffers(ssl)
                    }
                    break steps
                case .endOfStream, .failed: return destroy(connection)
                }
            case .waitingForCapacity, .handler:
                break steps
            case .closing:
                guard flush(connection) else { return destroy(connection) }
                if connection.hasPendingOutput { break steps }
                if let ssl = connection.ssl, SSL_get_shutdown(ssl) & SSL_SENT_SHUTDOWN == 0 {
                    OpenSSL.clearErrors()
                    _ = SSL_shutdown(ssl)  // queue close_notify, flushed on the next round
                    OpenSSL.clearErrors()
                    continue
                }
                shutdown(connection.fd, Int32(SHUT_WR))
                connection.phase = .lingering
                setDeadline(connection, now + Self.lingerNanoseconds)
            case .lingering:
                discardInput(connection)
                break steps
            }
        }
        if connection.isOpen && !flush(connection) { destroy(connection) }
    }

    // MARK: - TLS handshake

    private func handshake(_ connection: Connection) -> Handshake {
        guard let ssl = connection.ssl else { return .done }
        while true {
            OpenSSL.clearErrors()
            let result = SSL_do_handshake(ssl)
            if result == 1 {
                connection.peer = PeerCertificate(ssl: ssl)  // once per connection, not per request
                connection.phase = .idle
                setDeadline(connection, now + idleTimeout(connection).nanoseconds)
                return .done
            }
            guard SSL_get_error(ssl, result) == SSL_ERROR_WANT_READ else {
                OpenSSL.clearErrors()
                core.counters.failedHandshakes.wrappingAdd(1, ordering: .relaxed)
                return .failed
            }
            guard flush(connection) else { return .failed }
            switch readSocketIntoTLS(connection, ssl) {
            case .bytes: continue
            case .blocked: return .blocked
            case .endOfStream, .failed:
                core.counters.failedHandshakes.wrappingAdd(1, ordering: .relaxed)
                return .failed
            }
        }
    }

    // MARK: - Reading

    /// Bytes the input buffer may hold in the current phase: a whole head, or a head and its body.
    private func inputLimit(_ connection: Connection) -> Int {
        let limits = core.configuration.limits
        let headRoom = limits.maxRequestLineBytes + limits.maxHeaderBytes + 2 * HTTPRequestHeadParser.maxLeadingBlankLines + 8
        if case .body(let head) = connection.phase { return head.length + head.contentLength + headRoom }
        return headRoom
    }

    /// Reads more plaintext into the connection's input buffer.
    private func fill(_ connection: Connection) -> SocketRead {
        var minimum = 16 * 1024
        if case .body(let head) = connection.phase {
            minimum = max(minimum, head.length + head.contentLength - connection.input.readableCount)
        }
        if let ssl = connection.ssl {
            // Nothing decrypted or buffered yet: see whether the socket has anything before
            // taking an input buffer, so a wake-up with nothing to read does not allocate one.
            if connection.input.capacity == 0 && SSL_has_pending(ssl) == 0 && BIO_ctrl_pending(SSL_get_rbio(ssl)) == 0 {
                switch readSocketIntoTLS(connection, ssl) {
                case .bytes: break
                case let other: return other
                }
            }
            while true {
                let space = connection.input.writableSpace(minimum: minimum, limit: inputLimit(connection))
                guard space.count > 0 else { return .blocked }  // cannot happen: the parser fails first
                OpenSSL.clearErrors()
                let count = SSL_read(ssl, space.baseAddress, Int32(clamping: space.count))
                if count > 0 {
                    connection.input.didWrite(Int(count))
                    return .bytes
                }
                switch SSL_get_error(ssl, count) {
                case SSL_ERROR_WANT_READ:
                    switch readSocketIntoTLS(connection, ssl) {
                    case .bytes: continue
                    case let other: return other
                    }
                case SSL_ERROR_ZERO_RETURN:
                    return .endOfStream
                default:
                    OpenSSL.clearErrors()
                    return .failed
                }
            }
        }
        guard connection.socketReadable else { return .blocked }
        let space = connection.input.writableSpace(minimum: minimum, limit: inputLimit(connection))
        guard space.count > 0 else { return .blocked }
        while true {
            let count = recv(connection.fd, space.baseAddress, space.count, 0)
            if count > 0 {
                connection.input.didWrite(count)
                // Edge-triggered: a short read emptied the socket; new data raises a new event.
                if count < space.count && !connection.peerHalfClosed { connection.socketReadable = false }
                return .bytes
            }
            if count == 0 { return .endOfStream }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                connection.socketReadable = false
                return .blocked
            default: return .failed
            }
        }
    }

    /// Moves ciphertext from the socket into OpenSSL's input BIO.
    private func readSocketIntoTLS(_ connection: Connection, _ ssl: OpaquePointer) -> SocketRead {
        guard connection.socketReadable else { return .blocked }
        while true {
            let count = recv(connection.fd, scratch, Self.scratchSize, 0)
            if count > 0 {
                _ = BIO_write(SSL_get_rbio(ssl), scratch, Int32(count))
                if count < Self.scratchSize && !connection.peerHalfClosed { connection.socketReadable = false }
                return .bytes
            }
            if count == 0 { return .endOfStream }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                connection.socketReadable = false
                return .blocked
            default: return .failed
            }
        }
    }

    /// After our final response: read and drop whatever the client still sends, until it closes.
    private func discardInput(_ connection: Connection) {
        while connection.socketReadable {
            let count = recv(connection.fd, scratch, Self.scratchSize, 0)
            if count > 0 { continue }
            if count < 0 && errno == EINTR { continue }
            if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                connection.socketReadable = false
                return
            }
            return destroy(connection)
        }
    }

    // MARK: - Requests

    /// Parses what is buffered; true when the connection's phase moved on.
    private func processBufferedInput(_ connection: Connection) -> Bool {
        switch connection.phase {
        case .idle, .head:
            guard connection.input.readableCount > 0 else { return false }
            let outcome = connection.parser.parse(connection.input.readableBytes)
            if case .idle = connection.phase, connection.parser.hasStarted {
                connection.phase = .head
                setDeadline(connection, now + core.configuration.timeouts.header.nanoseconds)
            }
            switch outcome {
            case .incomplete:
                return false
            case .failed(let problem):
                reject(connection, problem)
                return true
            case .complete(let head):
                if connection.input.readableCount >= head.length + head.contentLength {
                    startRequest(connection, head: head)
                } else {
                    connection.phase = .body(head)
                    setDeadline(connection, now + core.configuration.timeouts.body.nanoseconds)
                    if head.expectsContinue { _ = send(ResponseEncoder.continueResponse, on: connection) }
                }
                return true
            }
        case .body(let head):
            guard connection.input.readableCount >= head.length + head.contentLength else { return false }
            startRequest(connection, head: head)
            return true
        default:
            return false
        }
    }

    private func startRequest(_ connection: Connection, head: HTTPRequestHead) {
        if core.tryAcquireHandlerSlot() { return runHandler(connection, head: head) }
        // Register as a waiter first, then retry: a slot released in between is not missed.
        core.counters.waiting.wrappingAdd(1, ordering: .sequentiallyConsistent)
        if core.tryAcquireHandlerSlot() {
            core.counters.waiting.wrappingSubtract(1, ordering: .sequentiallyConsistent)
            return runHandler(connection, head: head)
        }
        park(connection, head: head)
    }

    /// Hands the request to the handler on a task; the loop goes on with other connections.
    func runHandler(_ connection: Connection, head: HTTPRequestHead) {
        let bytes = connection.input.readableBytes
        let body = head.contentLength == 0 ? [] : [UInt8](UnsafeRawBufferPointer(rebasing: bytes[head.length..<(head.length + head.contentLength)]))
        connection.input.consume(head.length + head.contentLength)
        connection.input.releaseIfEmpty()
        connection.parser.reset()
        connection.requestSerial &+= 1
        connection.keepAlive = head.keepAlive
        connection.isHeadRequest = head.method == "HEAD"
        connection.phase = .handler
        connection.deadline = .max
        let request = HTTPRequest(method: head.method, target: head.target, path: head.path, query: head.query,
                                  version: head.version, headers: head.headers, body: body, peer: connection.peer,
                                  remoteAddress: connection.remoteAddress, connectionID: connection.id)
        let serial = connection.requestSerial
        let id = connection.id
        let core = core
        // On threads of their own: an answer never waits for the rest of the process (`ThreadPoolExecutor`).
        connection.handlerTask = Task(executorPreference: ThreadPoolExecutor.requestHandlers) { [self] in
            let response = await core.handler.handle(request)
            core.releaseHandlerSlot()
            post(.response(connection: id, serial: serial, response))
        }
    }

    /// A handler's response arrives on the loop: write it and look at the next request.
    func deliver(_ response: HTTPResponse, to id: UInt64, serial: UInt64) {
        guard let connection = connections[id], connection.isInHandler, connection.requestSerial == serial else { return }
        connection.handlerTask = nil
        let handlerCloses = response.headers.values(for: "Connection").contains { value in
            value.split(separator: ",").contains { HTTPHeaders.equalIgnoringCase($0.trimmingWhitespace(), "close") }
        }
        let close = !connection.keepAlive || draining || connection.peerHalfClosed || handlerCloses
        let bytes = encoder.encode(response, omitBody: connection.isHeadRequest, close: close)
        core.counters.served.wrappingAdd(1, ordering: .relaxed)
        guard send(bytes, on: connection) else { return destroy(connection) }
        if close {
            connection.phase = .closing
            connection.deadline = .max
        } else {
            connection.phase = .idle
            setDeadline(connection, now + idleTimeout(connection).nanoseconds)
        }
        drive(connection)
    }

    /// Answers with a problem the server produced itself and closes after it.
    func reject(_ connection: Connection, _ problem: HTTPProblem) {
        core.counters.rejected(problem.slug)
        let bytes = encoder.encode(problem.response, omitBody: false, close: true)
        guard send(bytes, on: connection) else { return destroy(connection) }
        connection.phase = .closing
        connection.deadline = .max
    }

    // MARK: - Writing

    /// Queues bytes for the client (encrypting them on TLS); `flush` puts them on the socket.
    private func send(_ bytes: [UInt8], on connection: Connection) -> Bool {
        guard !bytes.isEmpty else { return true }
        if let ssl = connection.ssl {
            // A memory BIO takes everything: SSL_write either writes all or the connection is broken.
            OpenSSL.clearErrors()
            let written = bytes.withUnsafeBytes { SSL_write(ssl, $0.baseAddress, Int32(clamping: $0.count)) }
            if written != bytes.count { OpenSSL.clearErrors() }
            return written == bytes.count
        }
        if connection.hasPendingOutput {
            connection.pendingOutput.append(contentsOf: bytes)
        } else {
            connection.pendingOutput = bytes
            connection.pendingOffset = 0
        }
        return true
    }

    /// Writes pending bytes until done or the socket is full; false when the socket failed.
    /// The write timeout runs from the last byte the socket took: a client reading slowly but
    /// steadily gets the whole response, one that stops reading is cut.
    func flush(_ connection: Connection) -> Bool {
        while connection.hasPendingOutput {
            let count = connection.pendingOutput.withUnsafeBytes { bytes in
                Glibc.send(connection.fd, bytes.baseAddress! + connection.pendingOffset,
                           bytes.count - connection.pendingOffset, Int32(MSG_NOSIGNAL))
            }
            if count > 0 {
                connection.pendingOffset += count
                connection.writeDeadline = 0
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                setWriteDeadline(connection)
                return true
            } else {
                return false
            }
        }
        if !connection.pendingOutput.isEmpty {
            connection.pendingOutput = []
            connection.pendingOffset = 0
        }
        if let ssl = connection.ssl, let output = SSL_get_wbio(ssl) {
            while BIO_ctrl_pending(output) > 0 {
                let count = Int(BIO_read(output, scratch, Int32(Self.scratchSize)))
                guard count > 0 else { break }
                var sent = 0
                while sent < count {
                    let written = Glibc.send(connection.fd, scratch + sent, count - sent, Int32(MSG_NOSIGNAL))
                    if written > 0 {
                        sent += written
                        connection.writeDeadline = 0
                    } else if written < 0 && errno == EINTR {
                        continue
                    } else if written < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                        // Keep the rest (and whatever OpenSSL still holds) for the next EPOLLOUT.
                        connection.pendingOutput = [UInt8](UnsafeRawBufferPointer(start: scratch + sent, count: count - sent))
                        connection.pendingOffset = 0
                        while BIO_ctrl_pending(output) > 0 {
                            let more = Int(BIO_read(output, scratch, Int32(Self.scratchSize)))
                            guard more > 0 else { break }
                            connection.pendingOutput.append(contentsOf: UnsafeRawBufferPointer(start: scratch, count: more))
                        }
                        setWriteDeadline(connection)
                        return true
                    } else {
                        return false
                    }
                }
            }
        }
        connection.writeDeadline = 0
        return true
    }
}
