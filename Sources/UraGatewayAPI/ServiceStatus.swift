import Synchronization
import UraGatewayCore

/// The state of each background service as its runner last reported it: `/readyz` is ready only
/// when every one is running, and `/metrics` shows each as `ura_service_up{service}` (1 running).
public final class ServiceStatus: Sendable {
    public enum State: String, Sendable {
        /// Started, and its loop has not failed since.
        case running
        /// Its loop threw or ended; it waits out its pause before it starts again.
        case restarting
        /// Cancelled by a stop; its loop has not ended yet.
        case stopping
        case stopped
    }

    private let metrics: MetricsRegistry
    private let states = Mutex<[(name: String, state: State)]>([])

    public init(metrics: MetricsRegistry) {
        self.metrics = metrics
        metrics.declare("ura_service_up", .gauge, help: "1 while a background service runs, 0 while it restarts or after it stopped.",
                        labels: ["service"])
    }

    /// Records `state` for the service `name` (listed from its first report on).
    public func set(_ name: String, _ state: State) {
        states.withLock { all in
            if let index = all.firstIndex(where: { $0.name == name }) { all[index].state = state } else { all.append((name, state)) }
        }
        metrics.set("ura_service_up", [name], to: state == .running ? 1 : 0)
    }

    /// Every service reported so far, in the order they were first reported.
    public var all: [(name: String, state: State)] { states.withLock { $0 } }

    /// The state of `name`, nil before it was first reported.
    public func state(of name: String) -> State? { states.withLock { all in all.first { $0.name == name }?.state } }
}
