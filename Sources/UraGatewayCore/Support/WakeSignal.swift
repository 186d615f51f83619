import Synchronization

/// Lets one waiting task sleep until it is signalled or a timeout passes; a signal that arrives
/// while nobody waits is remembered for the next wait.
public final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: CheckedContinuation<Void, Never>?
        var generation = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func signal() {
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

    /// Returns when signalled (or a signal was remembered), after `timeout`, or when the task is
    /// cancelled.
    public func wait(timeout: Duration) async {
        let generation: Int? = state.withLock { s in
            if s.pending {
                s.pending = false
                return nil
            }
            s.generation += 1
            return s.generation
        }
        guard let generation else { return }
        let timer = Mutex<Task<Void, Never>?>(nil)
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // A signal between the check above and here (or a cancellation) found no waiter
                // and was remembered.
                let signalled = state.withLock { s in
                    if s.pending {
                        s.pending = false
                        return true
                    }
                    s.waiter = continuation
                    return false
                }
                if signalled {
                    continuation.resume()
                    return
                }
                timer.withLock { $0 = Task {
                    guard (try? await Task.sleep(for: timeout)) != nil else { return }  // cancelled: woken already
                    let waiter: CheckedContinuation<Void, Never>? = self.state.withLock { s in
                        guard s.generation == generation, let w = s.waiter else { return nil }
                        s.waiter = nil
                        return w
                    }
                    waiter?.resume()
                } }
            }
        } onCancel: {
            signal()
        }
        timer.withLock { $0?.cancel() }
    }
}
