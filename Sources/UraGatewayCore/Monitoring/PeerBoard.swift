import Synchronization
import UraJSON

/// What federation last reported about each peer gateway — reachability, the last directory sync,
/// its version, the last error — for the monitor API and the dashboard. UraFederation writes it;
/// the core only keeps it, as it does not know how peers are reached.
public final class PeerBoard: Sendable {
    private let rows = Mutex<[JSONValue]>([])

    public init() {}

    public func publish(_ peers: [JSONValue]) { rows.withLock { $0 = peers } }

    public var peers: [JSONValue] { rows.withLock { $0 } }
}
