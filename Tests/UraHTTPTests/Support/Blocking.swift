import Foundation

/// Runs blocking work (a curl process, a blocking socket read) on its own thread, so it never
/// occupies one of the few cooperative threads the server's handlers need.
func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
        }
        thread.start()
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Polls `condition` until it holds or `timeout` passes. Between polls it gives its cooperative
/// thread back for a millisecond: a busy `Task.yield` loop would hold one of the machine's two
/// cooperative threads, and with tests running in parallel the servers' handlers it waits for
/// could starve. The timeout is a bound for a broken build, never a timing assumption.
func eventually(timeout: Duration = .seconds(60), _ condition: () -> Bool) async -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now + timeout
    while clock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(1))
    }
    return condition()
}
