import Foundation
import Testing
import UraBasics
import UraTestTraits

/// Tasks that prefer a `ThreadPoolExecutor` run on its threads — their child tasks and resumptions
/// too. (That they run while every cooperative thread is held is shown once, for the HTTP server,
/// by `HandlerOffLoopTests.handlersAnswerWhileTheCooperativePoolIsHeld`: two tests each holding
/// the whole pool at once would wait for each other.)
@Suite(.offThePool) struct ThreadPoolExecutorTests {
    static let executor = ThreadPoolExecutor(name: "ura-test-pool", threads: 2)

    /// The name of the thread running the caller (a synchronous function: `Thread.current` is not
    /// for async contexts).
    static func threadName() -> String { Thread.current.name ?? "" }

    /// The threads the caller runs on: before and after a suspension, and those of four child tasks.
    static func threadsOfATaskItsResumptionAndItsChildren() async -> [String] {
        var names = [threadName()]
        await Task.yield()
        names.append(threadName())
        names += await withTaskGroup(of: String.self) { group in
            for _ in 0..<4 { group.addTask { threadName() } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        return names
    }

    @Test func tasksTheirChildrenAndTheirResumptionsRunOnTheExecutorsThreads() async {
        let names = await Task(executorPreference: Self.executor) { await Self.threadsOfATaskItsResumptionAndItsChildren() }.value
        #expect(names.count == 6 && names.allSatisfy { $0.hasPrefix("ura-test-pool-") }, "names: \(names)")
    }
}
