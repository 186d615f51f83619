import Foundation
import Synchronization
import UraModel
import UraProtocol

/// Long polls waiting for their agency's inbox. A poll takes a ticket *before* it looks at the
/// store and waits with it afterwards: a notification that arrives in between is not lost, the wait
/// returns at once.
final class InboxWaiters: Sendable {
    private struct State {
        var generation: [AgencyID: UInt64] = [:]
        var waiters: [AgencyID: [UUID: CheckedContinuation<Void, Never>]] = [:]
    }

    private let state = Mutex(State())

    /// The agency's notification count now.
    func ticket(for agency: AgencyID) -> UInt64 { state.withLock { $0.generation[agency] ?? 0 } }

    /// Returns when the agency has been notified since `ticket`, or after `timeout`.
    func wait(for agency: AgencyID, since ticket: UInt64, timeout: Duration) async {
        let token = UUID()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let alreadyNotified = state.withLock { s -> Bool in
                if (s.generation[agency] ?? 0) != ticket { return true }
                s.waiters[agency, default: [:]][token] = continuation
                return false
            }
            if alreadyNotified {
                continuation.resume()
                return
            }
            Task {
                try? await Task.sleep(for: timeout)
                let waiter = self.state.withLock { $0.waiters[agency]?.removeValue(forKey: token) }
                waiter?.resume()
            }
        }
    }

    func notify(_ agencies: [AgencyID]) {
        for agency in agencies {
            let waiting = state.withLock { s -> [CheckedContinuation<Void, Never>] in
                s.generation[agency, default: 0] &+= 1
                return Array((s.waiters.removeValue(forKey: agency) ?? [:]).values)
            }
            for continuation in waiting { continuation.resume() }
        }
    }
}
