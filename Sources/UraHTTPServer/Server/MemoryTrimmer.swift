import Foundation
import Synchronization
import COpenSSL
import UraBasics
import UraHTTPCore

/// Gives the heap memory of closed connections back to the kernel: glibc keeps what a burst of
/// connections freed in its arenas, scattered between what is still in use, so the RSS of a
/// server that once held a thousand connections would stay at that level for good.
/// `malloc_trim(0)` returns the free pages; it walks and locks every arena, so it runs on a
/// thread of its own (never on an event loop, whose allocations would wait behind it), once a
/// burst of at least `closesPerTrim` closes has settled (or after `maximumSettleNanoseconds` of
/// closes that never pause), and at most every `minimumInterval`.
///
/// One per process (the heap is the process's), started by the first server whose configuration
/// asks for it (`HTTPServerConfiguration.releaseMemoryAfterCloses`); servers that don't ask
/// don't count their closes.
final class MemoryTrimmer: Sendable {
    static let shared = MemoryTrimmer()

    static let closesPerTrim = 256
    /// The burst has settled when this long passes without a further close.
    static let settleNanoseconds: UInt64 = 200_000_000
    /// Closes that never pause (a steady stream of short connections) are trimmed after this long.
    static let maximumSettleNanoseconds: UInt64 = 2_000_000_000
    static let minimumInterval: UInt64 = 5_000_000_000

    private let closed = Atomic<Int>(0)
    private let started = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)

    /// Starts the thread on first use.
    func enable() {
        guard started.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        Thread.startNamed("ura-mem-trim") { [self] in run() }
    }

    /// Called by an event loop for each connection it closed.
    func connectionClosed() {
        if closed.wrappingAdd(1, ordering: .relaxed).newValue == Self.closesPerTrim { wake.signal() }
    }

    private func run() {
        var lastTrim: UInt64 = 0
        while true {
            wake.wait()
            // Wait for the burst to end: trimming while connections still close would leave most
            // of their memory behind (and take the arenas' locks while the loops are busy).
            let woken = SystemCall.monotonicNanoseconds()
            var seen = closed.load(ordering: .relaxed)
            while true {
                _ = wake.wait(timeout: .now() + .nanoseconds(Int(Self.settleNanoseconds)))
                let count = closed.load(ordering: .relaxed)
                let now = SystemCall.monotonicNanoseconds()
                let settled = count == seen || now >= woken + Self.maximumSettleNanoseconds
                if settled && now >= lastTrim + Self.minimumInterval { break }
                seen = count
            }
            closed.store(0, ordering: .relaxed)
            _ = ura_malloc_trim()
            lastTrim = SystemCall.monotonicNanoseconds()
        }
    }
}
