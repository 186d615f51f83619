import Foundation
import UraBasics
import UraJSON
import UraModel

/// A state change, as the ledger records it: metadata and digests only, never a body or a name.
public struct LedgerEvent: Sendable, Equatable {
    public enum Kind: String, Sendable, CaseIterable {
        case messageAccepted = "message.accepted"
        case deliveryLeased = "delivery.in_flight"
        case deliveryDelivered = "delivery.delivered"
        case deliveryRetryScheduled = "delivery.retry_scheduled"
        case deliveryDeadLetter = "delivery.dead_letter"
        case deliveryRedriven = "delivery.redriven"
        case deliveryLeaseExpired = "delivery.lease_expired"
        case deliveryChannelChanged = "delivery.channel_changed"
        /// A peer gateway accepted a message relayed to it (federation).
        case deliveryRelayAccepted = "delivery.relay_accepted"
        case bodyPurged = "message.body_purged"
        case declarationRecorded = "declaration.recorded"
        case deadlineArmed = "deadline.armed"
        case deadlineMet = "deadline.met"
        case deadlineOverdue = "deadline.overdue"
        case deadlineCancelled = "deadline.cancelled"
    }

    public var kind: Kind
    public var at: Date
    public var message: MessageID?
    public var agency: AgencyID?
    public var data: JSONObject

    public init(_ kind: Kind, at: Date, message: MessageID? = nil, agency: AgencyID? = nil, data: JSONObject = JSONObject()) {
        self.kind = kind
        self.at = at
        self.message = message
        self.agency = agency
        self.data = data
    }
}

/// How ledger entries are chained: each leaf is the canonical JSON (sorted keys, no whitespace) of
/// the event plus its index and the previous entry's hash; its hash is RFC 9162's leaf hash
/// `H(0x00 || leaf)`. The hash function is injected (SHA-256 from UraCrypto in the gateway).
public struct LedgerChain: Sendable {
    public typealias Hash = @Sendable ([UInt8]) -> [UInt8]
    public let hash: Hash

    public init(hash: @escaping Hash) { self.hash = hash }

    /// The "previous hash" of the first entry: 32 zero bytes.
    public static let genesis = [UInt8](repeating: 0, count: 32)

    public func leaf(index: Int, previous: [UInt8], event: LedgerEvent) -> [UInt8] {
        PreparedLedgerEvent(event).leaf(index: index, previous: previous)
    }

    public func leafHash(_ leaf: [UInt8]) -> [UInt8] { hash([0x00] + leaf) }
}

/// An event's leaf with everything but its index and the previous hash already serialized, so the
/// single writer only splices those two in (the JSON work happens on the submitting thread).
///
/// The leaf's members in sorted order are agency, at, data | index | kind, message | prev: the
/// canonical form is the two serialized groups around the index, then prev.
public struct PreparedLedgerEvent: Sendable {
    private let head: [UInt8]
    private let middle: [UInt8]

    public init(_ event: LedgerEvent) {
        var before = JSONObject()
        if let agency = event.agency { before["agency"] = .string(agency.rawValue) }
        before["at"] = .string(RFC3339.string(from: event.at))
        if !event.data.isEmpty { before["data"] = .object(event.data) }
        var after = JSONObject()
        after["kind"] = .string(event.kind.rawValue)
        if let message = event.message { after["message"] = .string(message.rawValue) }
        // Each group serialized as an object, its braces dropped: `{a,b}` → `a,b`.
        head = Self.members(before, between: "{", and: ",\"index\":")
        middle = Self.members(after, between: ",", and: ",\"prev\":\"")
    }

    private static func members(_ object: JSONObject, between opening: String, and closing: String) -> [UInt8] {
        let serialized = JSONValue.object(object).serialized(options: .sortedKeys)
        var out = [UInt8]()
        out.reserveCapacity(serialized.count + opening.utf8.count + closing.utf8.count)
        out.append(contentsOf: opening.utf8)
        out.append(contentsOf: serialized[1..<(serialized.count - 1)])
        out.append(contentsOf: closing.utf8)
        return out
    }

    public func leaf(index: Int, previous: [UInt8]) -> [UInt8] {
        var out = head
        out.reserveCapacity(head.count + middle.count + 20 + previous.count * 2 + 2)
        out.append(contentsOf: JSONValue.number(Double(index)).serialized())
        out.append(contentsOf: middle)
        out.append(contentsOf: Hex.encode(previous).utf8)
        out.append(contentsOf: "\"}".utf8)
        return out
    }
}
