import Foundation
import Synchronization
import UraBasics
import UraGatewayAPI
import UraGatewayCore
import UraModel

/// Runs urad's background services under one lifecycle, so that no loop ends silently: restarts a
/// failed one after a pause on the clock, logging why, reports each state to `ServiceStatus`, and
/// stops them all within a bound.
public final class ServiceRunner: Sendable {
    let services: [BackgroundService]
    let status: ServiceStatus
    let clock: any WallClock
    let log: Logger
    let backoff: RestartBackoff
    /// The task that supervises every service; nil before `start` and after `stop`.
    private let supervisor = Mutex<Task<Void, Never>?>(nil)

    public init(services: [BackgroundService], status: ServiceStatus, clock: any WallClock, log: Logger, backoff: RestartBackoff = RestartBackoff()) {
        self.services = services
        self.status = status
        self.clock = clock
        self.log = log
        self.backoff = backoff
    }

    /// Starts every service; each is reported running from now on.
    public func start() {
        for service in services { status.set(service.name, .running) }
        // On threads of their own: the services' store reads block, and must neither wait for nor
        // hold up the rest of the process on the cooperative pool.
        let task = Task(executorPreference: ThreadPoolExecutor.backgroundServices) { [self] in
            await withDiscardingTaskGroup { group in
                for service in services { group.addTask { await self.supervise(service) } }
            }
        }
        supervisor.withLock { $0 = task }
    }

    /// Cancels every service and waits until all have ended or `bound` has passed on the clock;
    /// returns the names of those still running then (logged as `service.stop_timeout`).
    @discardableResult
    public func stop(within bound: Duration) async -> [String] {
        guard let task = supervisor.withLock({ current in defer { current = nil }; return current }) else { return [] }
        for service in services where status.state(of: service.name) != .stopped { status.set(service.name, .stopping) }
        task.cancel()
        let ended = await FirstOutcome.taskEnds(task, within: bound, on: clock)
        guard !ended else { return [] }
        let running = services.map(\.name).filter { status.state(of: $0) != .stopped }
        log.error("service.stop_timeout", ["services": .string(running.joined(separator: ", ")), "waited_seconds": .seconds(bound.seconds)])
        return running
    }

    /// Runs `service` until its task is cancelled, starting it again after each failure.
    private func supervise(_ service: BackgroundService) async {
        var failures = 0
        while !Task.isCancelled {
            let started = clock.now
            let failure: String
            do {
                try await service.run()
                failure = "its loop ended"
            } catch {
                failure = "\(error)"
            }
            if Task.isCancelled { break }
            // A service that ran well for a while before it failed starts over at the first pause.
            failures = clock.now.timeIntervalSince(started) >= backoff.maximum.seconds ? 1 : failures + 1
            let pause = backoff.delay(afterFailures: failures)
            status.set(service.name, .restarting)
            log.error("service.failed", ["service": .string(service.name), "error": .string(failure), "failures": .int(failures),
                                         "restart_in_seconds": .seconds(pause.seconds)])
            do { try await clock.sleep(for: pause) } catch { break }
            log.warning("service.restarted", ["service": .string(service.name), "failures": .int(failures)])
            status.set(service.name, .running)
        }
        status.set(service.name, .stopped)
    }
}

/// The first of two outcomes (the services ended, the bound passed), awaited by one task.
private final class FirstOutcome: Sendable {
    private struct State {
        var result: Bool?
        var waiter: CheckedContinuation<Bool, Never>?
    }

    private let state = Mutex(State())

    /// True when `task` ends before `bound` passes on `clock`.
    static func taskEnds(_ task: Task<Void, Never>, within bound: Duration, on clock: any WallClock) async -> Bool {
        let first = FirstOutcome()
        Task {
            await task.value
            first.settle(true)
        }
        let timer = Task {
            guard (try? await clock.sleep(for: bound)) != nil else { return }
            first.settle(false)
        }
        let ended = await first.value
        timer.cancel()
        return ended
    }

    /// Settles the outcome; later calls change nothing.
    func settle(_ result: Bool) {
        let waiter: CheckedContinuation<Bool, Never>? = state.withLock { s in
            guard s.result == nil else { return nil }
            s.result = result
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: result)
    }

    var value: Bool {
        get async {
            await withCheckedContinuation { continuation in
                let settled: Bool? = state.withLock { s in
                    if let result = s.result { return result }
                    s.waiter = continuation
                    return nil
                }
                if let settled { continuation.resume(returning: settled) }
            }
        }
    }
}
