import Foundation
import UraBasics
import UraJSON
import UraModel

/// What the gateway asserts about a message when it accepts it, as the `message.accepted` leaf
/// carries it — the envelope's metadata, the county it counts under and the digest of the signed
/// bytes — and the comparison of a stored row with that leaf, so that a row changed behind the
/// gateway's back (its type, case, sender, recipients or digest) is found by whoever holds the leaf:
/// urad at start and in its periodic verification, before serving, and an auditor.
public enum MessageBinding {
    /// The `message.accepted` event for `metadata` with the digest the gateway signed.
    public static func acceptedEvent(_ metadata: MessageMetadata, digest: String, at: Date) -> LedgerEvent {
        LedgerEvent(.messageAccepted, at: at, message: metadata.id, agency: metadata.from, data: data(metadata, digest: digest))
    }

    /// The leaf's `data`. `county` and `participants` (null when there are none) are in every leaf
    /// written since 0.2.0; earlier leaves lack both keys, and a comparison with such a leaf skips them.
    public static func data(_ m: MessageMetadata, digest: String) -> JSONObject {
        // Added in name order, so the ledger's sorted serialization writes them without sorting.
        var data = JSONObject()
        data["case"] = .string(m.caseReference.rawValue)
        data["county"] = m.county.map { .string($0.rawValue) } ?? .null
        data["created"] = .string(RFC3339.string(from: m.created))
        data["digest"] = .string(digest)
        data["expires"] = .string(RFC3339.string(from: m.expires))
        if let inReplyTo = m.inReplyTo { data["in_reply_to"] = .string(inReplyTo.rawValue) }
        data["participants"] = m.participants.map { .array($0.map { .string($0.rawValue) }) } ?? .null
        data["priority"] = .string(m.priority.rawValue)
        data["subject"] = .string(m.subject.rawValue)
        data["to"] = .array(m.to.map { .string($0.rawValue) })
        data["type"] = .string(m.type.rawValue)
        return data
    }

    /// Each way a stored message (its metadata and digest) differs from the `message.accepted`
    /// leaf it claims, worded for the secretariat; empty when they agree.
    public static func differences(leaf: JSONValue, metadata: MessageMetadata, digest: String) -> [String] {
        guard leaf["kind"]?.stringValue == LedgerEvent.Kind.messageAccepted.rawValue else {
            return ["its ledger entry is a \(leaf["kind"]?.stringValue ?? "malformed") entry, not message.accepted"]
        }
        var found: [String] = []
        func compare(_ name: String, stored: JSONValue?, ledger: JSONValue?, optionalInOldLeaves: Bool = false) {
            if ledger == nil && optionalInOldLeaves { return }
            if stored != ledger {
                found.append("\(name) is \(stored.map(describe) ?? "absent") in the store but \(ledger.map(describe) ?? "absent") in the ledger")
            }
        }
        let asserted = data(metadata, digest: digest)
        let data = leaf["data"]?.objectValue ?? JSONObject()
        compare("message", stored: .string(metadata.id.rawValue), ledger: leaf["message"])
        compare("from", stored: .string(metadata.from.rawValue), ledger: leaf["agency"])
        for name in ["type", "case", "to", "digest", "subject", "priority", "in_reply_to"] {
            compare(name, stored: asserted[name], ledger: data[name])
        }
        // Times are kept to the millisecond: the leaf's text truncates, a store may round (SQLite
        // keeps whole milliseconds), so the two agree when they are at most a millisecond apart.
        for (name, stored) in [("created", metadata.created), ("expires", metadata.expires)] {
            guard let text = data[name]?.stringValue, let recorded = RFC3339.date(from: text), abs(recorded.timeIntervalSince(stored)) < 0.0015 else {
                compare(name, stored: asserted[name], ledger: data[name])
                continue
            }
        }
        // Leaves written before 0.2.0 carry neither key: nothing to compare with.
        let newLeaf = data["county"] != nil || data["participants"] != nil
        compare("county", stored: asserted["county"], ledger: data["county"], optionalInOldLeaves: !newLeaf)
        compare("participants", stored: asserted["participants"], ledger: data["participants"], optionalInOldLeaves: !newLeaf)
        return found
    }

    private static func describe(_ value: JSONValue) -> String { value.serializedString() }
}
