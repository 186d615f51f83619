import Foundation
import Testing
import UraJSON
import UraModel
import UraProtocol
import UraTestTraits

/// A message's times as the ledger leaf holds them (RFC 3339, milliseconds, truncated) and as a
/// store keeps them (whole milliseconds, rounded) agree: the gateway's own notices are made at
/// the clock's full precision, and a verification that compared the texts failed on every notice
/// whose time fell in the second half of a millisecond.
@Suite(.offThePool) struct MessageBindingTimeTests {
    func metadata(created: Date) throws -> MessageMetadata {
        MessageMetadata(id: .random(), type: try MessageType("notice"), from: try AgencyID("al.ura.gateway"), to: [try AgencyID("al.mpb.secretariat")],
                        caseReference: try CaseReference("XX-0000-000000"), subject: .unknown, priority: .urgent, created: created,
                        expires: created.addingTimeInterval(90 * 86_400), inReplyTo: nil, participants: nil, county: nil)
    }

    @Test func aTimeRoundedToTheMillisecondByTheStoreMatchesItsTruncatedLeaf() throws {
        let precise = Date(timeIntervalSince1970: 1_796_000_000.1467)
        let accepted = try metadata(created: precise)
        let leaf: JSONValue = ["kind": "message.accepted", "message": .string(accepted.id.rawValue), "agency": "al.ura.gateway",
                               "data": .object(MessageBinding.data(accepted, digest: "d"))]
        #expect(leaf["data"]?["created"]?.stringValue?.hasSuffix(".146Z") == true)
        // What the store gives back: the same message with its times rounded to whole milliseconds.
        let rounded = Date(timeIntervalSince1970: (precise.timeIntervalSince1970 * 1000).rounded() / 1000)
        var stored = accepted
        stored.created = rounded
        stored.expires = rounded.addingTimeInterval(90 * 86_400)
        #expect(MessageBinding.differences(leaf: leaf, metadata: stored, digest: "d").isEmpty)
        // A time changed by a whole second still shows.
        stored.created = rounded.addingTimeInterval(1)
        #expect(MessageBinding.differences(leaf: leaf, metadata: stored, digest: "d").first?.hasPrefix("created is") == true)
    }
}
