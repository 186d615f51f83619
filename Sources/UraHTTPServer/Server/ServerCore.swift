import Synchronization

/// What the event loops of one server share: configuration, handler, TLS context, counters,
/// the handler-slot budget, and the bookkeeping that lets `shutdown` wait for every loop.
final class ServerCore: Sendable {
    let configuration: HTTPServerConfiguration
    let handler: any HTTPHandler
    /// The context new connections are made with; `HTTPServer.reloadTLS` replaces it. A connection
    /// keeps the one it was made with (its SSL holds a reference to the SSL_CTX).
    private let tlsContext: Mutex<ServerTLSContext?>
    var tls: ServerTLSContext? { tlsContext.withLock { $0 } }
    /// The listener asks clients for certificates (see `HTTPServerTimeouts.unverifiedIdle`).
    let asksForClientCertificates: Bool
    let counters: ServerCounters
    let loops = Mutex<[EventLoop]>([])
    /// Loops still running, and the `shutdown` calls waiting for them to end.
    private let exits = Mutex<(running: Int, waiters: [CheckedContinuation<Void, Never>])>((0, []))

    init(configuration: HTTPServerConfiguration, handler: any HTTPHandler, tls: ServerTLSContext?, counters: ServerCounters) {
        self.configuration = configuration
        self.handler = handler
        tlsContext = Mutex(tls)
        asksForClientCertificates = tls != nil && configuration.tls?.clientCertificateAuthorities != nil
        self.counters = counters
    }

    func replaceTLS(_ context: ServerTLSContext) { tlsContext.withLock { $0 = context } }

    // MARK: Handler slots (maxInFlightRequests)

    /// Takes a handler slot if one is free.
    func tryAcquireHandlerSlot() -> Bool {
        if counters.inFlight.wrappingAdd(1, ordering: .sequentiallyConsistent).newValue <= configuration.maxInFlightRequests {
            return true
        }
        counters.inFlight.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        return false
    }

    /// Returns a slot and, if connections wait for one, tells every loop to retry. A loop
    /// registers its waiter before retrying the slot, so together no wake-up is lost.
    func releaseHandlerSlot() {
        counters.inFlight.wrappingSubtract(1, ordering: .sequentiallyConsistent)
        if counters.waiting.load(ordering: .sequentiallyConsistent) > 0 {
            for loop in loops.withLock({ $0 }) { loop.post(.capacityAvailable) }
        }
    }

    // MARK: Loop lifetime

    func loopStarted() { exits.withLock { $0.running += 1 } }

    func loopExited() {
        let waiters = exits.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.running -= 1
            guard state.running == 0 else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once every loop has exited.
    func waitForLoopsToExit() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let finished = exits.withLock { state -> Bool in
                if state.running == 0 { return true }
                state.waiters.append(continuation)
                return false
            }
            if finished { continuation.resume() }
        }
    }
}
