import Glibc
import Synchronization
import COpenSSL
import UraCrypto
import Dispatch
import UraHTTPCore
import UraHTTPServer

/// One generator thread: its share of the connections and an epoll loop over them.
final class LoadWorker: @unchecked Sendable {
    // @unchecked: set up on the calling thread, then used only by its own thread; results are
    // read after that thread has finished (the run waits for it).
    private let run: LoadRun
    private var connections: [LoadConnection] = []
    private let epoll: Int32
    private let timer: Int32
    private(set) var latencies: [UInt64] = []
    private(set) var statusCounts: [Int: Int] = [:]
    private(set) var failures = 0
    private(set) var lastAnswer: UInt64 = 0
    private var now: UInt64 = 0
    private var idle: [LoadConnection] = []
    private var inFlight = 0

    static let timerToken = UInt64.max
    static let scratchSize = 64 * 1024
    private let scratch = UnsafeMutableRawPointer.allocate(byteCount: LoadWorker.scratchSize, alignment: 16)

    init(run: LoadRun) {
        self.run = run
        epoll = epoll_create1(Int32(EPOLL_CLOEXEC))
        timer = timerfd_create(CLOCK_MONOTONIC, Int32(TFD_NONBLOCK | TFD_CLOEXEC))
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = Self.timerToken
        _ = epoll_ctl(epoll, EPOLL_CTL_ADD, timer, &event)
    }

    deinit {
        scratch.deallocate()
        connections.removeAll()
        close(timer)
        close(epoll)
    }

    /// Adds a connected, handshaken socket (switched to non-blocking here).
    func adopt(fd: Int32, ssl: OpaquePointer?) {
        let connection = LoadConnection(index: connections.count, fd: fd, ssl: ssl)
        let flags = fcntl(connection.fd, F_GETFL)
        _ = fcntl(connection.fd, F_SETFL, flags | O_NONBLOCK)
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.u64 = UInt64(connections.count)
        _ = epoll_ctl(epoll, EPOLL_CTL_ADD, connection.fd, &event)
        connections.append(connection)
        latencies.reserveCapacity(run.workload.count / max(1, run.configuration.threads) + 16)
    }

    // MARK: - The loop

    /// `firstRound` holds every worker until all have started their first requests, so no
    /// connection takes a second request before each has had its first (closed loop).
    func runLoop(firstRound: DispatchGroup) {
        now = SystemCall.monotonicNanoseconds()
        idle = connections
        sendWhereDue()
        firstRound.leave()
        firstRound.wait()
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while true {
            if inFlight == 0 && run.next.load(ordering: .relaxed) >= run.workload.count { break }
            if inFlight == 0 && !connections.contains(where: \.alive) { break }
            let count = epoll_wait(epoll, &events, Int32(events.count), 100)
            now = SystemCall.monotonicNanoseconds()
            if now >= run.deadline.load(ordering: .relaxed) {
                failures += inFlight
                inFlight = 0
                break
            }
            for i in 0..<max(0, Int(count)) {
                let token = events[i].data.u64
                if token == Self.timerToken {
                    var expirations: UInt64 = 0
                    _ = read(timer, &expirations, 8)
                    continue
                }
                let connection = connections[Int(token)]
                if events[i].events & EPOLLOUT.rawValue != 0 { writePending(connection) }
                if events[i].events & (EPOLLIN.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 { readResponses(connection) }
            }
            sendWhereDue()
        }
    }

    /// Starts requests on idle connections: at once (closed loop) or when due (open loop).
    private func sendWhereDue() {
        while let connection = idle.last {
            guard connection.alive else { idle.removeLast(); continue }
            guard let (index, startedAt) = claim() else { return }
            idle.removeLast()
            send(index, on: connection, startedAt: startedAt)
        }
    }

    /// The next request index whose time has come, or nil (arming the timer for it).
    private func claim() -> (Int, UInt64)? {
        let total = run.workload.count
        if run.configuration.targetRate == nil {
            let index = run.next.wrappingAdd(1, ordering: .relaxed).oldValue
            return index < total ? (index, now) : nil
        }
        while true {
            let index = run.next.load(ordering: .relaxed)
            guard index < total else { return nil }
            let due = run.due(index)
            if due > now {
                armTimer(at: due)
                return nil
            }
            if run.next.compareExchange(expected: index, desired: index + 1, ordering: .relaxed).exchanged { return (index, due) }
        }
    }

    private func armTimer(at deadline: UInt64) {
        var spec = itimerspec()
        spec.it_value.tv_sec = Int(deadline / 1_000_000_000)
        spec.it_value.tv_nsec = Int(deadline % 1_000_000_000)
        _ = timerfd_settime(timer, Int32(TFD_TIMER_ABSTIME), &spec, nil)
    }

    private func send(_ index: Int, on connection: LoadConnection, startedAt: UInt64) {
        let body = run.workload.body(index)
        var bytes = run.headPrefix
        bytes.reserveCapacity(bytes.count + 32 + body.count)
        bytes.append(contentsOf: "Content-Length: \(body.count)\r\n\r\n".utf8)
        bytes.append(contentsOf: body)
        connection.inFlight = true
        connection.startedAt = startedAt
        connection.request = index
        inFlight += 1
        connection.pendingWrite = bytes
        writePending(connection)
    }

    private func writePending(_ connection: LoadConnection) {
        guard connection.alive, !connection.pendingWrite.isEmpty else { return }
        let written: Int = connection.pendingWrite.withUnsafeBytes { raw in
            if let ssl = connection.ssl {
                OpenSSL.clearErrors()
                return Int(SSL_write(ssl, raw.baseAddress, Int32(raw.count)))
            }
            return Glibc.send(connection.fd, raw.baseAddress, raw.count, Int32(MSG_NOSIGNAL))
        }
        if written == connection.pendingWrite.count {
            connection.pendingWrite = []
            setInterest(connection, write: false)
            return
        }
        if let ssl = connection.ssl {
            let error = SSL_get_error(ssl, Int32(written))
            if error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ { return setInterest(connection, write: true) }
            OpenSSL.clearErrors()
            return lose(connection)
        }
        if written > 0 {
            connection.pendingWrite.removeFirst(written)
            return setInterest(connection, write: true)
        }
        if errno == EAGAIN || errno == EWOULDBLOCK { return setInterest(connection, write: true) }
        lose(connection)
    }

    private func setInterest(_ connection: LoadConnection, write: Bool) {
        guard connection.watchesWrites != write else { return }  // one system call less per request
        connection.watchesWrites = write
        var event = epoll_event()
        event.events = EPOLLIN.rawValue | (write ? EPOLLOUT.rawValue : 0)
        event.data.u64 = UInt64(connection.index)
        _ = epoll_ctl(epoll, EPOLL_CTL_MOD, connection.fd, &event)
    }

    private func readResponses(_ connection: LoadConnection) {
        while connection.alive {
            let count: Int
            if let ssl = connection.ssl {
                OpenSSL.clearErrors()
                count = Int(SSL_read(ssl, scratch, Int32(Self.scratchSize)))
                if count <= 0 {
                    if SSL_get_error(ssl, Int32(count)) == SSL_ERROR_WANT_READ { return }
                    OpenSSL.clearErrors()
                    return lose(connection)
                }
            } else {
                count = recv(connection.fd, scratch, Self.scratchSize, 0)
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) { return }
                if count <= 0 { return lose(connection) }
            }
            connection.received.append(contentsOf: UnsafeRawBufferPointer(start: scratch, count: count))
            parsing: while connection.inFlight {
                switch connection.takeResponse() {
                case .incomplete:
                    break parsing
                case .malformed:
                    return lose(connection)
                case .response(let status, let closes):
                    answered(connection, status: status)
                    if closes { return lose(connection) }
                }
            }
            // Level-triggered epoll reports the socket again when more arrives; only bytes
            // OpenSSL already holds need another read now.
            guard let ssl = connection.ssl, SSL_has_pending(ssl) != 0 else { return }
        }
    }

    private func answered(_ connection: LoadConnection, status: Int) {
        connection.inFlight = false
        inFlight -= 1
        latencies.append(now &- connection.startedAt)
        statusCounts[status, default: 0] += 1
        lastAnswer = now
        run.workload.onAnswer?(connection.request, status)
        run.finished.wrappingAdd(1, ordering: .relaxed)
        idle.append(connection)
        sendWhereDue()
    }

    private func lose(_ connection: LoadConnection) {
        guard connection.alive else { return }
        connection.alive = false
        _ = epoll_ctl(epoll, EPOLL_CTL_DEL, connection.fd, nil)
        if connection.inFlight {
            connection.inFlight = false
            inFlight -= 1
            failures += 1
            run.finished.wrappingAdd(1, ordering: .relaxed)
        }
    }
}
