import Foundation
import Synchronization
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// Checks a stored message before the gateway serves it: its bytes must hash to the digest it
/// signed in the accepted receipt, and its row must agree with its `message.accepted` ledger entry
/// (`MessageBinding`). A message that fails is withheld, logged (`message.integrity_failed`),
/// counted (`ura_messages_withheld`) and kept here, so `/readyz` and the dashboard say which and why.
public final class MessageIntegrity: Sendable {
    let store: any Store
    let events: GatewayEvents
    private let failures = Mutex<[MessageID: String]>([:])

    public init(store: any Store, events: GatewayEvents) {
        self.store = store
        self.events = events
        events.metrics.declare("ura_messages_withheld", .gauge,
                               help: "Stored messages the gateway refuses to serve because they do not match their digest or ledger entry.")
    }

    /// The messages withheld since start, with the reason, sorted by id.
    public var withheld: [(message: MessageID, reason: String)] {
        failures.withLock { $0 }.sorted { $0.key.rawValue < $1.key.rawValue }.map { ($0.key, $0.value) }
    }

    /// The digest the gateway signs for these signed bytes (of the JWS signing input), or nil when
    /// they are not a JWS.
    public static func digest(of signedBytes: [UInt8]) -> String? {
        // Parsed as intake parsed it (JSON without the request-size limits, then the flattened JWS).
        guard let json = try? JSONValue(parsing: signedBytes), let jws = try? JWS.parse(json: json) else { return nil }
        return Base64URL.encode(SHA256.hash(jws.signingInput()))
    }

    /// Why the stored row of `stored` or its bytes cannot be trusted, or nil when they check out.
    /// A purged body has no bytes to check; its row is still compared with the ledger.
    public static func problem(_ stored: StoredMessage, entry: LedgerEntry?, hash: @escaping LedgerChain.Hash) -> String? {
        let id = stored.metadata.id
        if let bytes = stored.signedBytes, digest(of: bytes) != stored.digest {
            return "the stored bytes of message \(id) do not match the digest \(stored.digest) the gateway signed when it accepted it"
        }
        guard let entry, entry.index == stored.ledgerIndex else {
            return "message \(id) names ledger entry \(stored.ledgerIndex), which is not stored"
        }
        guard LedgerChain(hash: hash).leafHash(entry.leaf) == entry.hash else {
            return "ledger entry \(entry.index) of message \(id) was modified: its hash does not match its contents"
        }
        guard let leaf = try? JSONValue(parsing: entry.leaf) else { return "ledger entry \(entry.index) of message \(id) is not valid JSON" }
        let differences = MessageBinding.differences(leaf: leaf, metadata: stored.metadata, digest: stored.digest)
        guard differences.isEmpty else {
            return "the stored row of message \(id) does not match its ledger entry \(entry.index): " + differences.joined(separator: "; ")
        }
        return nil
    }

    /// Nil when `job` may be served; otherwise the reason, already logged and kept.
    func check(_ job: DeliveryJob) -> String? {
        let reason: String?
        do {
            if let stored = try store.message(job.message) {
                let entry = try store.ledgerEntries(from: stored.ledgerIndex, count: 1).first
                if let problem = Self.problem(stored, entry: entry, hash: { SHA256.hash($0) }) {
                    reason = problem
                } else if Self.digest(of: job.signedBytes) != stored.digest || job.digest != stored.digest {
                    reason = "the bytes claimed for delivery of message \(job.message) do not match the digest the gateway signed"
                } else if job.sender != stored.metadata.from || job.type != stored.metadata.type || !stored.metadata.to.contains(job.recipient) {
                    reason = "the delivery of message \(job.message) to \(job.recipient) does not match the message's stored envelope"
                } else {
                    reason = nil
                }
            } else {
                reason = "message \(job.message) has a delivery but no stored row"
            }
        } catch {
            reason = "message \(job.message) could not be read to check it before serving (\(error))"
        }
        if let reason { record(job.message, reason) } else { clear(job.message) }
        return reason
    }

    /// Checks the row and bytes of `id` before they are shown (`GET /v1/messages/ID`).
    public func check(_ stored: StoredMessage) -> String? {
        let entry = try? store.ledgerEntries(from: stored.ledgerIndex, count: 1).first
        let reason = Self.problem(stored, entry: entry, hash: { SHA256.hash($0) })
        if let reason { record(stored.metadata.id, reason) } else { clear(stored.metadata.id) }
        return reason
    }

    private func record(_ message: MessageID, _ reason: String) {
        let count = failures.withLock { failures in
            failures[message] = reason
            return failures.count
        }
        events.metrics.set("ura_messages_withheld", to: Double(count))
        events.log.error("message.integrity_failed", ["id": .id(message), "reason": .string(reason)])
    }

    private func clear(_ message: MessageID) {
        guard let count = failures.withLock({ failures -> Int? in failures.removeValue(forKey: message).map { _ in failures.count } }) else { return }
        events.metrics.set("ura_messages_withheld", to: Double(count))
    }
}
