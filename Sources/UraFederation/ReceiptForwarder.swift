import Foundation
import UraBasics
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// Brings the delivered receipts of messages a peer gateway relayed here back to that peer
/// (`POST /v1/federation/receipts`), durably: the store queues each receipt in the transaction
/// that records the recipient's acknowledgement (the message names the peer that relayed it,
/// `AcceptedMessage.relayedBy`); the forwarder, woken then, posts it at once and retries it with
/// the gateway's delivery backoff (full jitter up to `retry.maximumDelay`, no limit on attempts)
/// until the peer takes it — across restarts of urad, since the queue is in the store. A peer that
/// refuses it for good (a 4xx other than 408 and 429) ends it, logged.
///
/// The origin's own retry of the relay stays a fallback (it fetches the receipt too), but with a
/// long retry interval at the origin the forward is what settles the delivery.
public final class ReceiptForwarder: Sendable {
    let links: PeerLinks
    let gateway: Gateway
    let wakeSignal = WakeSignal()
    /// At most this long between passes when nothing is due (a forward queued by another node).
    let idle: Duration

    public init(links: PeerLinks, gateway: Gateway, idle: Duration = .seconds(30)) {
        self.links = links
        self.gateway = gateway
        self.idle = idle
        gateway.events.metrics.declare("ura_peer_receipts_forwarded_total", .counter,
                                       help: "Delivered receipts forwarded to the peer a message came from, by peer and outcome (forwarded, failed, refused).",
                                       labels: ["peer", "outcome"])
    }

    var store: any Store { gateway.store }
    var events: GatewayEvents { gateway.events }

    /// A receipt was queued (a recipient acknowledged a relayed message): forward it now.
    public func wake() { wakeSignal.signal() }

    /// Forwards every queued receipt that is due; returns how many the peers took.
    @discardableResult
    public func runOnce() async -> Int {
        let due: [ReceiptForward]
        do { due = try store.dueForwards(now: gateway.clock.now, limit: 100) } catch {
            events.log.error("federation.store_failed", ["error": .string("\(error)")])
            return 0
        }
        var taken = 0
        for forward in due where await attempt(forward) { taken += 1 }
        return taken
    }

    /// Runs until cancelled: a pass whenever a receipt is queued, one is due, or `idle` has passed.
    public func run() async {
        while !Task.isCancelled {
            await runOnce()
            var wait = idle.seconds
            if let next = (try? store.nextForwardTime()) ?? nil { wait = min(wait, max(next.timeIntervalSince(gateway.clock.now), 0.001)) }
            await wakeSignal.wait(timeout: .milliseconds(Int(wait * 1000)))
        }
    }

    /// One attempt; true when the peer took the receipt.
    func attempt(_ forward: ReceiptForward) async -> Bool {
        let peerID = forward.peer
        let outcome: (error: String?, final: Bool)
        if let peer = gateway.directory.snapshot[peerID], peer.isPeerGateway, let url = peer.delivery.url {
            let base = url.hasSuffix("/") ? String(url.dropLast()) : url
            do {
                let response = try await links.send(HTTPClientRequest(method: "POST", url: base + "/v1/federation/receipts",
                                                                      headers: ["Content-Type": "application/jose+json"], body: forward.receipt), to: peerID)
                if (200..<300).contains(response.status) {
                    outcome = (nil, true)
                } else {
                    let detail = (try? JSONValue(parsing: response.body))?["detail"]?.stringValue.map { ": \($0.prefix(300))" } ?? ""
                    outcome = ("\(peerID) answered HTTP \(response.status)\(detail)", (400..<500).contains(response.status) && ![408, 429].contains(response.status))
                }
            } catch {
                outcome = (error.description, false)
            }
        } else {
            outcome = ("\(peerID) is no longer a peer gateway of the directory", false)
        }
        let now = gateway.clock.now
        var next: Date?
        if outcome.error != nil, !outcome.final {
            let ceiling = gateway.settings.delivery.retry.ceiling(afterAttempt: forward.attempts + 1)
            let delay = max(Double.random(in: 0...max(ceiling.seconds, 0.001)), 0.001)
            next = Date(timeIntervalSince1970: ((now.timeIntervalSince1970 + delay) * 1000).rounded(.up) / 1000)
        }
        do {
            try await store.recordForwardAttempt(message: forward.message, recipient: forward.recipient, at: now, error: outcome.error, next: next)
        } catch {
            events.log.error("federation.store_failed", ["error": .string("\(error)")])
        }
        let attempt = forward.attempts + 1
        switch (outcome.error, next) {
        case (nil, _):
            events.metrics.increment("ura_peer_receipts_forwarded_total", [peerID.rawValue, "forwarded"])
            events.log.info("federation.receipt_forwarded", ["peer": .id(peerID), "id": .id(forward.message), "to": .id(forward.recipient),
                                                             "attempt": .int(attempt)])
            return true
        case (let error?, nil):
            events.metrics.increment("ura_peer_receipts_forwarded_total", [peerID.rawValue, "refused"])
            events.log.warning("federation.receipt_refused", ["peer": .id(peerID), "id": .id(forward.message), "to": .id(forward.recipient),
                                                              "attempt": .int(attempt), "error": .string(error)])
        case (let error, let next?):
            events.metrics.increment("ura_peer_receipts_forwarded_total", [peerID.rawValue, "failed"])
            events.log.warning("federation.receipt_not_forwarded", ["peer": .id(peerID), "id": .id(forward.message), "to": .id(forward.recipient),
                                                                    "attempt": .int(attempt), "error": .string(error ?? ""),
                                                                    "next_attempt": .string(RFC3339.string(from: next))])
        }
        return false
    }
}

