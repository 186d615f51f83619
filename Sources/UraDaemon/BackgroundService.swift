/// One piece of urad's background work: a name (in logs, `/readyz` and `ura_service_up`) and a
/// loop that runs until its task is cancelled. A loop that throws or returns before then has
/// failed, and `ServiceRunner` restarts it.
public struct BackgroundService: Sendable {
    public let name: String
    let run: @Sendable () async throws -> Void

    public init(_ name: String, run: @escaping @Sendable () async throws -> Void) {
        self.name = name
        self.run = run
    }
}
