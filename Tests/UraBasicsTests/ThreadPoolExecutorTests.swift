import Foundation
import Synchronization
import Testing
import UraBasics

/// Tasks that prefer a `ThreadPoolExecutor` run on its threads — their child tasks and resumptions
/// too — and run while every cooperative thread is held by the rest of the process.
@Suite struct ThreadPoolExecutorTests {
    static let executor = ThreadPoolExecutor(name: "ura-test-pool", threads: 2)

    /// The name of the thread running the caller (a synchronous function: `Thread.current` is not
    /// for async contexts).
    static func threadName() -> String { Thread.current.name ?? "" }

    @Test func tasksTheirChildrenAndTheirResumptionsRunOnTheExecutorsThreads() async {
        let names = await Task(executorPreference: Self.executor) { () -> [String] in
            var names = [Self.threadName()]
            await Task.yield()
            names.append(Self.threadName())
            names += await withTaskGroup(of: String.self) { group in
                for _ in 0..<4 { group.addTask { Self.threadName() } }
                return await group.reduce(into: []) { $0.append($1) }
            }
            return names
        }.value
        #expect(names.count == 6 && names.allSatisfy { $0.hasPrefix("ura-test-pool-") }, "names: \(names)")
    }

    @Test func aTaskRunsWhileTheCooperativePoolIsHeld() async throws {
        let holders = 2 * ProcessInfo.processInfo.activeProcessorCount
        let started = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0), ran = DispatchSemaphore(value: 0)
        final class Count: Sendable { let value = Atomic<Int>(0) }
        let timedOut = Count()
        for _ in 0..<holders {
            Task.detached { @Sendable in
                started.signal()
                if release.wait(timeout: .now() + 120) == .timedOut { timedOut.value.add(1, ordering: .relaxed) }
            }
        }
        let ranWhileHeld: Bool = await withCheckedContinuation { continuation in
            Thread {
                for _ in 0..<ProcessInfo.processInfo.activeProcessorCount { started.wait() }
                Task(executorPreference: Self.executor) { ran.signal() }
                let result = ran.wait(timeout: .now() + 120) == .success && timedOut.value.load(ordering: .relaxed) == 0
                for _ in 0..<holders { release.signal() }
                continuation.resume(returning: result)
            }.start()
        }
        #expect(ranWhileHeld, "the task ran only after the holders gave up")
    }
}
