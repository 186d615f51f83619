import Foundation

/// Threads of a component's own that run its tasks, instead of Swift's cooperative pool.
///
/// The cooperative pool has one thread per core and is shared by everything in the process. Work
/// that waited its turn there stopped whenever the rest of the process kept the pool busy —
/// CPU-heavy work or a blocking call (a file, SQLite, a child process) elsewhere — and its own
/// blocking reads took a thread the whole process needs. A task started with
/// `Task(executorPreference:)` on one of these runs here, its child tasks and the (default) actors
/// it calls too, and what it awaits resumes here.
///
/// Its threads wait idle when there is nothing to run and are never torn down, so no task can find
/// its executor gone: make one per kind of work, as a `static let`, not one per server.
public final class ThreadPoolExecutor: TaskExecutor, @unchecked Sendable {
    /// Request handlers of every HTTP server in the process.
    public static let requestHandlers = ThreadPoolExecutor(name: "ura-handler", threads: max(4, 2 * ProcessInfo.processInfo.activeProcessorCount))
    /// urad's background services (delivery, deadlines, verification, retention…).
    public static let backgroundServices = ThreadPoolExecutor(name: "ura-service", threads: 2)

    private let condition = NSCondition()
    /// Jobs not yet run, oldest first from `head` (guarded by `condition`).
    private var queue: [UnownedJob] = []
    private var head = 0

    public init(name: String, threads: Int) {
        for i in 0..<max(1, threads) {
            Thread.startNamed("\(name)-\(i)") { [self] in run() }
        }
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        queue.append(job)
        condition.signal()
        condition.unlock()
    }

    private func run() {
        let executor = asUnownedTaskExecutor()
        while true {
            condition.lock()
            while head == queue.count { condition.wait() }
            let job = queue[head]
            head += 1
            if head == queue.count || head >= 1024 {
                queue.removeFirst(head)
                head = 0
            }
            condition.unlock()
            job.runSynchronously(on: executor)
        }
    }
}
