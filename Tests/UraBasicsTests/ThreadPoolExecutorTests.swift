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
}
