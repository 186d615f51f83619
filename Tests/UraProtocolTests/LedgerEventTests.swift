import Foundation
import Testing
import UraBasics
import UraJSON
import UraModel
import UraProtocol
import UraTestTraits

/// How a ledger event becomes a leaf: the writer splices the index and the previous hash into a
/// prepared event, and the result must be the canonical JSON of the whole entry.
@Suite(.offThePool) struct LedgerEventTests {
    /// The leaf spliced from a prepared event is byte for byte the canonical JSON of the whole
    /// entry (sorted keys, no whitespace), whichever optional members the event has.
    @Test func aPreparedLeafIsTheCanonicalJSONOfTheEntry() throws {
        let at = Date(timeIntervalSince1970: 1_795_000_000.25)
        let events = [
            LedgerEvent(.messageAccepted, at: at, message: MessageID(validated: "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c"),
                        agency: AgencyID(validated: "al.police.dvp-tirane"),
                        data: ["type": "referral.a2", "to": ["al.mpb.secretariat"], "note": "quote \" and ë and \u{1}"]),
            LedgerEvent(.bodyPurged, at: at, message: MessageID(validated: "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7d")),
            LedgerEvent(.declarationRecorded, at: at, agency: AgencyID(validated: "al.ashdmf.tirane"), data: ["case": "AL-2026-000042"]),
            LedgerEvent(.deadlineOverdue, at: at),
        ]
        for (n, event) in events.enumerated() {
            let index = [0, 7, 1_000_000, 9_007_199_254_740_991][n]
            let previous = (0..<32).map { UInt8(($0 * 37 + n) & 0xFF) }
            var whole = JSONObject()
            whole["index"] = .number(Double(index))
            whole["kind"] = .string(event.kind.rawValue)
            whole["at"] = .string(RFC3339.string(from: event.at))
            if let message = event.message { whole["message"] = .string(message.rawValue) }
            if let agency = event.agency { whole["agency"] = .string(agency.rawValue) }
            if !event.data.isEmpty { whole["data"] = .object(event.data) }
            whole["prev"] = .string(Hex.encode(previous))
            let canonical = JSONValue.object(whole).serialized(options: .sortedKeys)
            #expect(PreparedLedgerEvent(event).leaf(index: index, previous: previous) == canonical,
                    "\(String(decoding: canonical, as: UTF8.self))")
        }
    }
}
