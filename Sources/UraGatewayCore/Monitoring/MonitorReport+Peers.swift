import Foundation
import UraJSON
import UraModel
import UraStore

extension MonitorReport {
    /// Per peer gateway (federation): what federation last reported (reachable, last directory
    /// sync, version, agencies, last error) and its queue — the open deliveries to the agencies
    /// behind it, by state.
    public func peers() throws -> JSONValue {
        let directory = gateway.directory.snapshot.directory
        let counts = try gateway.store.deliveryCounts()
        let reported = Dictionary(gateway.peers.peers.compactMap { row in row["peer"]?.stringValue.map { ($0, row) } }, uniquingKeysWith: { a, _ in a })
        return ["peers": .array(directory.peers.map { peer in
            let behind = Set(directory.agencies.filter { $0.via == peer.id }.map(\.id))
            var queue = JSONObject()
            for state in [DeliveryState.pending, .inFlight, .retryScheduled, .deadLetter] {
                queue[state.rawValue] = .number(Double(counts.filter { behind.contains($0.recipient) && $0.state == state }.reduce(0) { $0 + $1.count }))
            }
            var row = reported[peer.id.rawValue]?.objectValue ?? ["peer": .string(peer.id.rawValue), "reachable": .null, "last_sync": .null]
            row["name"] = .string(peer.name)
            row["queue"] = .object(queue)
            return .object(row)
        })]
    }
}
