import Synchronization

/// Lets one waiting task sleep until it is signalled or a timeout passes; a signal that arrives
/// while nobody waits is remembered for the next wait.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
    }

    private let state = Mutex(State())

    func signal() {
        let waiter: CheckedContinuation<Void, Never>? = state.withLock { s in
            guard let w = s.waiter else {
                s.pending = true
                return nil
            }
            s.waiter = nil
            return w
        }
        waiter?.resume()
    }

    func wait(timeout: Duration) async {
        let generation: Int? = state.withLock { s in
            if s.pending {
                s.pending = false
                return nil
            }
            s.generation += 1
            return s.generation
        }
        guard let generation else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            state.withLock { $0.waiter = continuation }
            Task {
                try? await Task.sleep(for: timeout)
                let waiter: CheckedContinuation<Void, Never>? = self.state.withLock { s in
                    guard s.generation == generation, let w = s.waiter else { return nil }
                    s.waiter = nil
                    return w
                }
                waiter?.resume()
            }
        }
    }
}
