import Foundation

/// Runs blocking work (a curl process, a blocking socket read) on its own thread, so it never
/// occupies one of the few cooperative threads the server's handlers need.
public func blocking<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread {
            do { continuation.resume(returning: try work()) } catch { continuation.resume(throwing: error) }
        }
        thread.start()
    }
}
