import Testing
import UraBasics

/// Runs a suite's tests — their bodies, what they await, their child tasks — on threads of the
/// suite run's own (`ThreadPoolExecutor`), not on Swift's cooperative pool.
///
/// Tests do blocking work by nature: they start processes and wait for them, fsync the files of a
/// demo, start PostgreSQL, read pipes. The cooperative pool has one thread per core — two here —
/// and every async test and in-process server of the test process shares it, so two tests blocked
/// at once stalled all the others (thread dumps of busy-machine runs showed both pool threads in
/// `fsync`, in `posix_spawn`, in a PostgreSQL migration, in a pipe read). Threads of their own,
/// more than the tests block at once, keep that from reaching anyone else.
public struct OffThePool: SuiteTrait, TestTrait, TestScoping {
    public var isRecursive: Bool { true }

    /// More threads than tests block at once, few enough that the tests running at once do not
    /// crowd two cores (with 32, a run beside two busy loops reached a load of 38 and curls timed out).
    static let executor = ThreadPoolExecutor(name: "ura-test", threads: 8)

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(Self.executor) { try await function() }
    }
}

extension Trait where Self == OffThePool {
    /// Tests and their tasks on threads of their own, not on the cooperative pool (`OffThePool`).
    public static var offThePool: Self { OffThePool() }
}
