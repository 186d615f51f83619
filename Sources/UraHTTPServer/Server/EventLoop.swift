import Foundation
import Glibc
import Synchronization
import COpenSSL
import UraBasics
import UraCrypto
import UraHTTPCore

/// One thread running an epoll loop over the server's listening socket (shared with the other
/// loops, EPOLLEXCLUSIVE: one loop wakes per new connection) and the connections it accepted.
///
/// Sockets are non-blocking and registered edge-triggered once (in, out, read-hang-up), so the
/// loop never calls epoll_ctl per request. TLS runs over memory BIOs: the loop moves ciphertext
/// between socket and OpenSSL itself, which keeps every syscall in its hands (one read and one
/// write per small request). Handlers run as tasks off the loop; their responses come back
/// through `post` (a locked mailbox plus an eventfd wake-up).
final class EventLoop: @unchecked Sendable {
    // @unchecked: everything below "Loop-confined" is touched only on the loop's own thread;
    // other threads only call `post`, which goes through the Mutex.

    enum Message: Sendable {
        case response(connection: UInt64, serial: UInt64, HTTPResponse)
        case capacityAvailable
        case shutdown(deadline: UInt64)
    }

    private struct Mailbox {
        var messages: [Message] = []
        var wakePending = false
        var closed = false
        /// Posters that are writing the eventfd (outside the lock): it stays open until they are done.
        var waking = 0
    }

    static let listenerToken: UInt64 = 0
    static let wakeToken: UInt64 = 1
    static let scratchSize = 64 * 1024
    /// How long a closing connection may keep sending before it is cut (see `Connection.Phase.lingering`).
    static let lingerNanoseconds: UInt64 = 2_000_000_000

    let index: Int
    let core: ServerCore
    private let epoll: Int32
    private let wakeFD: Int32
    private let mailbox = Mutex<Mailbox>(Mailbox())

    // Loop-confined.
    /// The server's listening socket while this loop accepts on it (nil once it let go).
    private var listener: Listener?
    var connections: [UInt64: Connection] = [:]
    private var nextSerial: UInt64 = 0
    private var waitingForCapacity: [UInt64] = []
    var now: UInt64 = SystemCall.monotonicNanoseconds()
    private var nextSweep = UInt64.max
    var draining = false
    private var drainDeadline = UInt64.max
    var encoder = ResponseEncoder()
    /// Ciphertext staging between socket and memory BIOs.
    let scratch = UnsafeMutableRawPointer.allocate(byteCount: EventLoop.scratchSize, alignment: 16)
    private var spareMessages: [Message] = []
    /// Held open so that, when the process runs out of descriptors, a pending connection can still
    /// be accepted and closed instead of spinning on EMFILE.
    private var spareFD: Int32 = open("/dev/null", O_RDONLY | O_CLOEXEC)

    init(index: Int, core: ServerCore, listener: Listener) throws(HTTPServerError) {
        self.index = index
        self.core = core
        self.listener = listener
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard epoll >= 0, wakeFD >= 0 else {
            let reason = SystemCall.errorText()
            if epoll >= 0 { close(epoll) }
            if wakeFD >= 0 { close(wakeFD) }
            throw .cannotCreateEventLoop(reason: reason)
        }
        guard register(listener.fd, token: Self.listenerToken, events: Self.listenerEvents),
              register(wakeFD, token: Self.wakeToken, events: EPOLLIN.rawValue) else {
            let reason = SystemCall.errorText()
            close(epoll)
            close(wakeFD)
            throw .cannotCreateEventLoop(reason: "epoll_ctl: \(reason)")
        }
        listener.hold()
    }

    /// Level-triggered, so connections left after a bounded accept round come back next round;
    /// exclusive, so a new connection wakes one idle loop rather than all of them.
    private static let listenerEvents = EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue

    deinit {
        scratch.deallocate()
        if spareFD >= 0 { close(spareFD) }
    }

    func start() {
        core.loopStarted()
        core.counters.listening.wrappingAdd(1, ordering: .relaxed)
        Thread.startNamed("ura-http-loop-\(index)") { [self] in run() }
    }

    /// Releases the descriptors of a loop whose thread never started (start failed half-way).
    func closeWithoutRunning() {
        listener?.release()
        listener = nil
        closeMailbox()
        close(epoll)
    }

    /// Hands a message to the loop from any thread. The first message after the loop emptied the
    /// mailbox wakes it; the eventfd is written outside the lock — under it, the handler threads
    /// answering at the same time queued behind a system call (3% of the CPU at 8,000 msg/s).
    func post(_ message: Message) {
        let wake = mailbox.withLock { box -> Bool in
            guard !box.closed else { return false }
            box.messages.append(message)
            guard !box.wakePending else { return false }
            box.wakePending = true
            box.waking += 1
            return true
        }
        guard wake else { return }
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
        mailbox.withLock { $0.waking -= 1 }
    }

    /// Refuses further messages and closes the eventfd once no poster is still writing it (a
    /// write takes microseconds; the descriptor number must not be reused under it).
    private func closeMailbox() {
        mailbox.withLock { box in
            box.closed = true
            box.messages = []
        }
        while mailbox.withLock({ $0.waking }) > 0 { sched_yield() }
        close(wakeFD)
    }

    // MARK: - The loop

    private func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while true {
            now = SystemCall.monotonicNanoseconds()
            let count = epoll_wait(epoll, &events, Int32(events.count), waitTimeout())
            now = SystemCall.monotonicNanoseconds()
            if count < 0 && errno != EINTR { break }
            for i in 0..<max(0, Int(count)) {
                let token = events[i].data.u64
                switch token {
                case Self.listenerToken: acceptConnections()
                case Self.wakeToken: readMailbox()
                default: connectionEvent(token: token, flags: events[i].events)
                }
            }
            if now >= nextSweep { sweepDeadlines() }
            if draining && (connections.isEmpty || now >= drainDeadline) { break }
        }
        for connection in Array(connections.values) { destroy(connection) }
        closeMailbox()
        closeListener()
        close(epoll)
        core.loopExited()
    }

    private func waitTimeout() -> Int32 {
        let target = min(nextSweep, drainDeadline)
        if target == .max { return -1 }
        if target <= now { return 0 }
        return Int32(min((target - now + 999_999) / 1_000_000, 60_000))
    }

    private func register(_ fd: Int32, token: UInt64, events: UInt32) -> Bool {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0
    }

    /// Takes the listening socket out of this loop's epoll and lets go of it: the last loop to do
    /// so closes it.
    private func closeListener() {
        guard let listener else { return }
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, listener.fd, nil)
        self.listener = nil
        listener.release()
        core.counters.listening.wrappingSubtract(1, ordering: .relaxed)
    }

    // MARK: - Accepting

    private func acceptConnections() {
        guard let listener else { return }
        if acceptPending(on: listener) > 0 { letTheOtherLoopsAcceptFirst(listener) }
    }

    /// The kernel wakes the first idle loop in the order the loops added the shared socket to
    /// their epoll, so on a lightly loaded server one loop would take every connection. Adding it
    /// again puts this loop last: new connections go round the idle loops.
    private func letTheOtherLoopsAcceptFirst(_ listener: Listener) {
        guard core.configuration.eventLoops > 1 else { return }
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, listener.fd, nil)
        if !register(listener.fd, token: Self.listenerToken, events: Self.listenerEvents) {
            // Out of kernel memory: this loop serves its connections and the others accept.
            self.listener = nil
            listener.release()
            core.counters.listening.wrappingSubtract(1, ordering: .relaxed)
        }
    }

    /// Accepts what is pending, at most 64 (the socket is level-triggered, so the rest come next
    /// round); how many it took.
    private func acceptPending(on listener: Listener) -> Int {
        var accepted = 0
        for _ in 0..<64 {
            guard self.listener != nil else { return accepted }
            var address = SocketAddress()
            let fd = withUnsafeMutablePointer(to: &address.storage) { storage in
                storage.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    ura_accept4(listener.fd, $0, &address.length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                switch errno {
                case EINTR, ECONNABORTED, EPROTO: continue
                case EMFILE, ENFILE: shedOneConnection()
                default: break
                }
                return accepted
            }
            accepted += 1
            core.counters.accepted.wrappingAdd(1, ordering: .relaxed)
            if draining || core.counters.open.load(ordering: .relaxed) >= core.configuration.maxConnections {
                refuse(fd)
                continue
            }
            var ssl: OpaquePointer?
            if let tls = core.tls {
                guard let made = tls.makeConnection() else {
                    OpenSSL.clearErrors()
                    refuse(fd)
                    continue
                }
                ssl = made
            }
            SystemCall.setNoDelay(fd)
            nextSerial += 1
            let id = UInt64(index + 1) << 48 | nextSerial
            let connection = Connection(id: id, fd: fd, ssl: ssl, remoteAddress: address.description,
                                        limits: core.configuration.limits, counters: core.counters)
            guard register(fd, token: id, events: EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue) else {
                close(fd)
                continue
            }
            connections[id] = connection
            core.counters.connectionOpened()
            let timeout = ssl == nil ? core.configuration.timeouts.idle : core.configuration.timeouts.handshake
            setDeadline(connection, now + timeout.nanoseconds)
        }
        return accepted
    }

    /// Closes an accepted socket with a reset (SO_LINGER 0): over the limit or shutting down.
    private func refuse(_ fd: Int32) {
        var reset = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
        close(fd)
        core.counters.refused.wrappingAdd(1, ordering: .relaxed)
    }

    private func shedOneConnection() {
        guard spareFD >= 0, let listener else { return }
        close(spareFD)
        let fd = ura_accept4(listener.fd, nil, nil, Int32(SOCK_CLOEXEC.rawValue))
        if fd >= 0 {
            core.counters.accepted.wrappingAdd(1, ordering: .relaxed)
            refuse(fd)
        }
        spareFD = open("/dev/null", O_RDONLY | O_CLOEXEC)
    }

    // MARK: - Events and messages

    private func connectionEvent(token: UInt64, flags: UInt32) {
        guard let connection = connections[token] else { return }
        if flags & EPOLLERR.rawValue != 0 {
            destroy(connection)
            return
        }
        if flags & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue) != 0 { connection.socketReadable = true }
        if flags & EPOLLRDHUP.rawValue != 0 { connection.peerHalfClosed = true }
        // The client is gone: cancel its handler (a long poll need not run to its timeout).
        // TLS has no usable half-close, so there a FIN alone means gone; plain HTTP clients
        // may half-close after a request and still read the answer.
        let gone = flags & EPOLLHUP.rawValue != 0 || (connection.ssl != nil && flags & EPOLLRDHUP.rawValue != 0)
        if gone && connection.isInHandler {
            destroy(connection)
            return
        }
        drive(connection)
        // The FIN may have come with the request itself: the handler just started for nobody.
        if connection.isOpen && connection.isInHandler && connection.ssl != nil && connection.peerHalfClosed {
            destroy(connection)
        }
    }

    private func readMailbox() {
        var counter: UInt64 = 0
        _ = read(wakeFD, &counter, 8)
        mailbox.withLock { box in
            box.wakePending = false
            swap(&box.messages, &spareMessages)
        }
        for message in spareMessages {
            switch message {
            case .response(let id, let serial, let response): deliver(response, to: id, serial: serial)
            case .capacityAvailable: resumeWaitingConnections()
            case .shutdown(let deadline): beginDraining(until: deadline)
            }
        }
        spareMessages.removeAll(keepingCapacity: true)
    }

    private func beginDraining(until deadline: UInt64) {
        guard !draining else { return }
        draining = true
        drainDeadline = deadline
        closeListener()
        for connection in Array(connections.values) {
            switch connection.phase {
            case .idle where connection.hasPendingOutput:
                // Its last response is still being written: finish that, then close.
                connection.phase = .closing
                connection.deadline = .max
            case .idle: closeIdle(connection)
            case .handshaking: destroy(connection)
            default: break
            }
        }
    }

    // MARK: - Handler slots

    /// Parks a complete request until a handler slot frees up; the connection is not read meanwhile.
    func park(_ connection: Connection, head: HTTPRequestHead) {
        connection.phase = .waitingForCapacity(head)
        connection.deadline = .max
        waitingForCapacity.append(connection.id)
    }

    private func resumeWaitingConnections() {
        while let id = waitingForCapacity.first {
            guard let connection = connections[id], case .waitingForCapacity(let head) = connection.phase else {
                waitingForCapacity.removeFirst()
                continue
            }
            guard core.tryAcquireHandlerSlot() else { return }
            waitingForCapacity.removeFirst()
            core.counters.waiting.wrappingSubtract(1, ordering: .sequentiallyConsistent)
            runHandler(connection, head: head)
        }
    }

    // MARK: - Deadlines

    func setDeadline(_ connection: Connection, _ deadline: UInt64) {
        connection.deadline = deadline
        if deadline < nextSweep { nextSweep = deadline }
    }

    /// How long the connection may wait for its next request: shorter for a client that showed
    /// no verified certificate where one is asked for.
    func idleTimeout(_ connection: Connection) -> Duration {
        let timeouts = core.configuration.timeouts
        guard core.asksForClientCertificates, connection.peer?.chainVerified != true else { return timeouts.idle }
        return min(timeouts.idle, timeouts.unverifiedIdle)
    }

    /// Starts the write timeout when the socket stops taking bytes; `flush` clears it on progress.
    func setWriteDeadline(_ connection: Connection) {
        guard connection.writeDeadline == 0 else { return }
        connection.writeDeadline = now + core.configuration.timeouts.write.nanoseconds
        connection.unacknowledgedAtWriteDeadline = SystemCall.unacknowledgedBytes(connection.fd)
        if connection.writeDeadline < nextSweep { nextSweep = connection.writeDeadline }
    }

    private func sweepDeadlines() {
        var next = UInt64.max
        var expired: [Connection] = []
        for connection in connections.values {
            let due = connection.writeDeadline == 0 ? connection.deadline : min(connection.deadline, connection.writeDeadline)
            if due <= now { expired.append(connection) } else if due < next { next = due }
        }
        nextSweep = next
        for connection in expired where connection.isOpen { expire(connection) }
    }

    private func expire(_ connection: Connection) {
        if connection.writeDeadline != 0 && connection.writeDeadline <= now {
            // The socket reports writable only once a third of its buffer (up to megabytes) has
            // drained, so a slow reader may make progress without `flush` seeing any: bytes the
            // client acknowledged since the timeout was armed count as progress too.
            if SystemCall.unacknowledgedBytes(connection.fd) < connection.unacknowledgedAtWriteDeadline {
                connection.writeDeadline = 0
                setWriteDeadline(connection)
                return
            }
            destroy(connection)  // the client does not read what we send
            return
        }
        let timeouts = core.configuration.timeouts
        switch connection.phase {
        case .handshaking:
            core.counters.failedHandshakes.wrappingAdd(1, ordering: .relaxed)
            destroy(connection)
        case .idle:
            // Still writing the last response: the write timeout watches that; idling starts after.
            if connection.hasPendingOutput {
                setDeadline(connection, now + idleTimeout(connection).nanoseconds)
                return
            }
            core.counters.idleTimeouts.wrappingAdd(1, ordering: .relaxed)
            closeIdle(connection)
        case .head:
            reject(connection, .requestTimeout("the request head was not complete \(timeouts.header.spoken) after its first byte; send the whole head promptly"))
            drive(connection)
        case .body(let head):
            let received = max(0, connection.input.readableCount - head.length)
            reject(connection, .requestTimeout("only \(received) of the \(head.contentLength) body bytes arrived within \(timeouts.body.spoken); send the body promptly"))
            drive(connection)
        case .closing, .lingering:
            destroy(connection)
        case .handler, .waitingForCapacity:
            break
        }
    }

    // MARK: - Closing

    /// Closes a connection between requests, telling a TLS client first (close_notify), so it
    /// sees an orderly end rather than a truncation.
    func closeIdle(_ connection: Connection) {
        if let ssl = connection.ssl {
            OpenSSL.clearErrors()
            _ = SSL_shutdown(ssl)
            OpenSSL.clearErrors()
            _ = flush(connection)
        }
        destroy(connection)
    }

    /// Closes the socket at once (the SSL is freed with the connection). Cancels a running
    /// handler: nobody is left to read its answer.
    func destroy(_ connection: Connection) {
        guard connection.isOpen else { return }
        connection.isOpen = false
        connections.removeValue(forKey: connection.id)
        switch connection.phase {
        case .handler: connection.handlerTask?.cancel()
        case .waitingForCapacity: core.counters.waiting.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        default: break
        }
        connection.handlerTask = nil
        close(connection.fd)
        core.counters.connectionClosed()
        if core.configuration.releaseMemoryAfterCloses { MemoryTrimmer.shared.connectionClosed() }
    }
}
