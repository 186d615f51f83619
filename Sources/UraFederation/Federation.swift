import Foundation
import Synchronization
import UraBasics
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraJSON
import UraModel
import UraProtocol

/// Federation for one gateway: each peer gateway's signed directory — fetched on a schedule and on
/// demand, checked (`PeerDirectory.check`), kept on disk as the last good copy
/// (`peers/<peer-id>/directory.jws`) and merged into the directory the gateway uses, so that the
/// peer's agencies are foreign participants with `via` = the peer. A copy that is refused is
/// logged (`federation.directory_refused`), counted and shown; the last good one stays in use.
public final class Federation: Sendable {
    public let links: PeerLinks
    let clock: any WallClock
    let events: GatewayEvents
    private let held = Mutex<[AgencyID: PeerDirectory]>([:])
    private let states = Mutex<[AgencyID: PeerState]>([:])

    /// Where one peer stands, for the monitor and the dashboard.
    public struct PeerState: Sendable, Equatable {
        public var peer: AgencyID
        public var url: String
        /// When this gateway last asked the peer for its directory, and whether it answered.
        public var lastAttempt: Date?
        public var reachable: Bool?
        /// When the last good copy was taken, its version and how many agencies it brought.
        public var lastSync: Date?
        public var version: Int?
        public var agencies: Int
        /// Why the last attempt failed (unreachable, or the copy was refused).
        public var lastError: String?

        public var json: JSONValue {
            [
                "peer": .string(peer.rawValue), "url": .string(url),
                "last_attempt": lastAttempt.map { .string(RFC3339.string(from: $0)) } ?? .null,
                "reachable": reachable.map { .bool($0) } ?? .null,
                "last_sync": lastSync.map { .string(RFC3339.string(from: $0)) } ?? .null,
                "directory_version": version.map { .number(Double($0)) } ?? .null,
                "agencies": .number(Double(agencies)),
                "last_error": lastError.map { .string($0) } ?? .null,
            ]
        }
    }

    public init(links: PeerLinks, clock: any WallClock, events: GatewayEvents) {
        self.links = links
        self.clock = clock
        self.events = events
        let m = events.metrics
        m.declare("ura_peer_directory_syncs_total", .counter, help: "Fetches of a peer gateway's signed directory, by peer and outcome.",
                  labels: ["peer", "outcome"])
        m.declare("ura_peer_reachable", .gauge, help: "1 when the peer gateway answered the last directory fetch, 0 when not.", labels: ["peer"])
        m.declare("ura_peer_directory_version", .gauge, help: "The version of the peer's directory in use.", labels: ["peer"])
        m.declare("ura_peer_foreign_agencies", .gauge, help: "The agencies merged from the peer's directory.", labels: ["peer"])
    }

    /// The file the last good copy of `peer`'s directory is kept in.
    public func keptFile(of peer: AgencyID) -> URL {
        links.settings.folder.appendingPathComponent(peer.rawValue, isDirectory: true).appendingPathComponent("directory.jws")
    }

    /// Reads the last good copies kept for the peers `local` lists (at start): each is checked
    /// again, except for its validity window — the last good copy stays in use until a newer one
    /// comes. One that does not check out (a key since unpinned) is logged and not used.
    public func loadKept(for local: Directory) {
        for peer in local.peers {
            states.withLock { $0[peer.id] = $0[peer.id] ?? PeerState(peer: peer.id, url: peer.delivery.url ?? "", agencies: 0) }
            guard let data = FileManager.default.contents(atPath: keptFile(of: peer.id).path) else { continue }
            do {
                let copy = try PeerDirectory.check(Array(data), from: peer, held: nil, now: clock.now, window: false)
                take(copy, of: peer, at: nil)
            } catch {
                events.log.warning("federation.kept_directory_refused", ["peer": .id(peer.id), "error": .string(error.description)])
            }
        }
    }

    /// `local` (the directory file's view) with every peer's last good directory merged in.
    public func merged(_ local: Directory) -> Directory {
        let copies = held.withLock { $0 }
        var result = local
        for peer in local.peers {
            guard let copy = copies[peer.id] else { continue }
            do {
                let (merged, skipped) = try result.merging(copy, via: peer.id)
                result = merged
                if !skipped.isEmpty {
                    events.log.warning("federation.agencies_skipped", ["peer": .id(peer.id), "agencies": .ids(skipped),
                                                                       "reason": "the id is already a participant of this gateway"])
                }
            } catch {
                events.log.error("federation.merge_failed", ["peer": .id(peer.id), "error": .string("\(error)")])
            }
        }
        return result
    }

    /// Fetches every peer's signed directory, and when one brought a change, applies the merged
    /// directory to `gateway` (as a reload does). Returns the peers whose copy was taken.
    @discardableResult
    public func syncAll(_ gateway: Gateway) async -> [AgencyID] {
        let local = gateway.directory.snapshot.directory.withoutForeignAgencies
        var taken: [AgencyID] = [], changed = false
        for peer in local.peers {
            guard let outcome = await sync(peer) else { continue }
            taken.append(peer.id)
            changed = changed || outcome
        }
        // Peers removed from the directory: forget their copies and state.
        let listed = Set(local.peers.map(\.id))
        held.withLock { $0 = $0.filter { listed.contains($0.key) } }
        states.withLock { $0 = $0.filter { listed.contains($0.key) } }
        gateway.peers.publish(peerStates.map(\.json))
        if changed {
            do { try await gateway.reload(merged(local)) } catch {
                events.log.error("federation.merge_failed", ["error": .string("\(error)")])
            }
        }
        return taken
    }

    /// One peer's directory: nil when it could not be fetched or was refused, else whether it
    /// differs from the copy held (a new version, or other agencies or keys).
    func sync(_ peer: Agency) async -> Bool? {
        let now = clock.now
        let url = peer.delivery.url ?? ""
        update(peer) { $0.lastAttempt = now; $0.url = url }
        let base = url.hasSuffix("/") ? String(url.dropLast()) : url
        let response: HTTPClientResponse
        do {
            response = try await links.send(HTTPClientRequest(method: "GET", url: base + "/v1/directory", headers: ["Accept": "application/jose+json"]), to: peer.id)
        } catch {
            return failed(peer, outcome: "unreachable", reachable: false, error.description)
        }
        guard response.status == 200 else {
            let detail = (try? JSONValue(parsing: response.body))?["detail"]?.stringValue.map { ": \($0.prefix(300))" } ?? ""
            return failed(peer, outcome: "refused_by_peer", reachable: true, "\(peer.id) answered HTTP \(response.status)\(detail)")
        }
        let previous = held.withLock { $0[peer.id] }
        let copy: PeerDirectory
        do {
            copy = try PeerDirectory.check(response.body, from: peer, held: previous?.directory, now: now)
        } catch {
            events.log.warning("federation.directory_refused", ["peer": .id(peer.id), "reason": .string(error.kind), "error": .string(error.description),
                                                                "kept_version": .int(previous?.directory.version ?? 0)])
            return failed(peer, outcome: error.kind, reachable: true, "the directory from \(peer.id) was refused: \(error.description)")
        }
        do {
            try FileManager.default.createDirectory(at: keptFile(of: peer.id).deletingLastPathComponent(), withIntermediateDirectories: true)
            try DurableFile.write(copy.signed, to: keptFile(of: peer.id), mode: 0o644)
        } catch {
            // Used all the same; the next start falls back to the copy on disk, or none.
            events.log.error("federation.directory_not_kept", ["peer": .id(peer.id), "error": .string("\(error)")])
        }
        take(copy, of: peer, at: now)
        events.metrics.increment("ura_peer_directory_syncs_total", [peer.id.rawValue, "taken"])
        let changed = previous.map { $0.directory.version != copy.directory.version || $0.ownAgencies != copy.ownAgencies
                                     || $0.directory.gateway != copy.directory.gateway } ?? true
        if changed {
            events.log.info("federation.directory_synced", ["peer": .id(peer.id), "version": .int(copy.directory.version),
                                                            "agencies": .int(copy.ownAgencies.count)])
        }
        return changed
    }

    private func take(_ copy: PeerDirectory, of peer: Agency, at when: Date?) {
        held.withLock { $0[peer.id] = copy }
        update(peer) { state in
            state.version = copy.directory.version
            state.agencies = copy.ownAgencies.count
            if let when {
                state.lastSync = when
                state.reachable = true
                state.lastError = nil
            }
        }
        events.metrics.set("ura_peer_directory_version", [peer.id.rawValue], to: Double(copy.directory.version))
        events.metrics.set("ura_peer_foreign_agencies", [peer.id.rawValue], to: Double(copy.ownAgencies.count))
        if when != nil { events.metrics.set("ura_peer_reachable", [peer.id.rawValue], to: 1) }
    }

    private func failed(_ peer: Agency, outcome: String, reachable: Bool, _ reason: String) -> Bool? {
        update(peer) { $0.reachable = reachable; $0.lastError = reason }
        events.metrics.increment("ura_peer_directory_syncs_total", [peer.id.rawValue, outcome])
        events.metrics.set("ura_peer_reachable", [peer.id.rawValue], to: reachable ? 1 : 0)
        if !reachable { events.log.warning("federation.peer_unreachable", ["peer": .id(peer.id), "error": .string(reason)]) }
        return nil
    }

    private func update(_ peer: Agency, _ change: (inout PeerState) -> Void) {
        states.withLock { all in
            var state = all[peer.id] ?? PeerState(peer: peer.id, url: peer.delivery.url ?? "", agencies: 0)
            change(&state)
            all[peer.id] = state
        }
    }

    /// The forwarder of the delivered receipts of messages relayed by a peer (the store queues each
    /// with the acknowledgement), woken by each delivered receipt recorded: it posts them at once and
    /// retries until the peer takes them; the daemon runs it as the `receipt-forwarding` service.
    @discardableResult
    public func forwardReceipts(of gateway: Gateway) -> ReceiptForwarder {
        let forwarder = ReceiptForwarder(links: links, gateway: gateway)
        gateway.events.setHooks { hooks in
            hooks.delivered = { _, _, _ in
                // Without foreign agencies no message came from a peer: nothing to wake for.
                guard gateway.directory.snapshot.directory.agencies.contains(where: \.isForeign) else { return }
                forwarder.wake()
            }
        }
        return forwarder
    }

    /// Every peer's state, by id.
    public var peerStates: [PeerState] { states.withLock { $0.values.sorted { $0.peer.rawValue < $1.peer.rawValue } } }
}

extension DeliveryMode {
    /// The push URL (a peer gateway's base URL), if any.
    var url: String? {
        if case .push(let url) = self { return url }
        return nil
    }
}
