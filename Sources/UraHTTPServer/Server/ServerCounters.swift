import Synchronization

/// The live counters behind `HTTPServerStatistics`, updated by every event loop and handler task.
final class ServerCounters: Sendable {
    let open = Atomic<Int>(0)
    let peakOpen = Atomic<Int>(0)
    let accepted = Atomic<Int>(0)
    let refused = Atomic<Int>(0)
    let failedHandshakes = Atomic<Int>(0)
    let idleTimeouts = Atomic<Int>(0)
    let served = Atomic<Int>(0)
    let inFlight = Atomic<Int>(0)
    let waiting = Atomic<Int>(0)
    /// Capacity of the connections' input buffers (`ConnectionBuffer`), in bytes.
    let inputBufferBytes = Atomic<Int>(0)
    /// Loops that still have the listening socket in their epoll (it closes when none has).
    let listening = Atomic<Int>(0)
    private let rejections = Mutex<[String: Int]>([:])

    func connectionOpened() {
        let now = open.wrappingAdd(1, ordering: .relaxed).newValue
        var peak = peakOpen.load(ordering: .relaxed)
        while now > peak {
            let (exchanged, original) = peakOpen.compareExchange(expected: peak, desired: now, ordering: .relaxed)
            if exchanged { break }
            peak = original
        }
    }

    func connectionClosed() { open.wrappingSubtract(1, ordering: .relaxed) }

    func rejected(_ slug: String) { rejections.withLock { $0[slug, default: 0] += 1 } }

    var snapshot: HTTPServerStatistics {
        HTTPServerStatistics(
            openConnections: open.load(ordering: .relaxed), peakOpenConnections: peakOpen.load(ordering: .relaxed),
            acceptedConnections: accepted.load(ordering: .relaxed), refusedConnections: refused.load(ordering: .relaxed),
            failedHandshakes: failedHandshakes.load(ordering: .relaxed), idleTimeouts: idleTimeouts.load(ordering: .relaxed),
            requestsServed: served.load(ordering: .relaxed), inFlightRequests: inFlight.load(ordering: .relaxed),
            waitingForCapacity: waiting.load(ordering: .relaxed), inputBufferBytes: inputBufferBytes.load(ordering: .relaxed),
            rejected: rejections.withLock { $0 },
            accepting: listening.load(ordering: .relaxed) > 0)
    }
}
