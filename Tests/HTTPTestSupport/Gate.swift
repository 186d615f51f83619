import Synchronization

/// Handlers wait on a gate until the test opens it, so a test decides exactly when a slow
/// request finishes. Waiting ends early (returning false) if the waiting task is cancelled.
public final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        var nextID = 0
        var arrivals = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// How many waits have begun (also counts ones that already ended).
    public var arrivals: Int { state.withLock { $0.arrivals } }

    public func wait() async -> Bool {
        let id = state.withLock { state -> Int in
            state.nextID += 1
            state.arrivals += 1
            return state.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
                let resumeNow = state.withLock { state -> Bool? in
                    if state.isOpen { return true }
                    if Task.isCancelled { return false }
                    state.waiters[id] = continuation
                    return nil
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume(returning: false)
        }
    }

    public func open() {
        let waiters = state.withLock { state -> [CheckedContinuation<Bool, Never>] in
            state.isOpen = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }
}
