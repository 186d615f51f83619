import Foundation
import Synchronization
import UraBasics
import UraModel

/// A clock that only moves when a test tells it to. Tasks sleeping on it wake when a test moves
/// it past their deadline, so a test that waits for `sleepers` and then advances never sleeps.
public final class TestClock: WallClock {
    private struct Sleeper {
        let deadline: Date
        let continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var now: Date
        var sleepers: [Int: Sleeper] = [:]
        var nextSleeper = 0

        /// Removes and returns the sleepers whose deadline has come.
        mutating func due() -> [Sleeper] {
            let ids = sleepers.filter { $0.value.deadline <= now }.map(\.key)
            return ids.compactMap { sleepers.removeValue(forKey: $0) }
        }
    }

    private let state: Mutex<State>

    public init(_ start: Date) { state = Mutex(State(now: start)) }

    public var now: Date { state.withLock { $0.now } }

    /// How many tasks are sleeping on this clock now.
    public var sleepers: Int { state.withLock { $0.sleepers.count } }

    public func advance(by duration: Duration) {
        wake(state.withLock { s in
            s.now = s.now.addingTimeInterval(duration.seconds)
            return s.due()
        })
    }

    public func set(_ date: Date) {
        wake(state.withLock { s in
            s.now = date
            return s.due()
        })
    }

    public func sleep(for duration: Duration) async throws {
        let id = state.withLock { s in
            s.nextSleeper += 1
            return s.nextSleeper
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                // Registered and checked under the lock the cancellation handler takes: a
                // cancellation either finds the sleeper or is seen here.
                let outcome: Result<Void, any Error>? = state.withLock { s in
                    if Task.isCancelled { return .failure(CancellationError()) }
                    let deadline = s.now.addingTimeInterval(duration.seconds)
                    if deadline <= s.now { return .success(()) }
                    s.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return nil
                }
                if let outcome { continuation.resume(with: outcome) }
            }
        } onCancel: {
            state.withLock { $0.sleepers.removeValue(forKey: id) }?.continuation.resume(throwing: CancellationError())
        }
    }

    private func wake(_ due: [Sleeper]) {
        for sleeper in due { sleeper.continuation.resume() }
    }
}
