import Foundation
import Testing
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraTestTraits

/// Sealing and opening a message, as both an agency's `ura send` and the gateway's notices do.
@Suite(.offThePool) struct MessageSealingTests {
    let sender = try! SigningKey.generate()
    let recipient = try! AgreementPrivateKey.generate()

    func envelope(_ id: MessageID, body: JSONValue) throws -> Envelope {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        return try Envelope(id: id, type: try MessageType("return.found-abroad"), from: try AgencyID("al.mepj.mission.gr-athens"),
                            to: [try AgencyID("al.mpb.secretariat")], caseReference: try CaseReference("AL-2026-000061"), subject: .child,
                            created: now, expires: now.addingTimeInterval(86_400), body: body)
    }

    @Test func aSealedMessageVerifiesAndOpensForItsRecipient() throws {
        let id = MessageID.random()
        let (jws, envelope) = try MessageSealing.seal(Array(#"{"name":"Arta"}"#.utf8), id: id, to: [recipient.publicKey], signingKey: sender) {
            try self.envelope(id, body: $0)
        }
        let parsed = try JWS.parse(jws.serialized())
        #expect(parsed.signature.type == "ura-message+json")
        #expect(try parsed.verify(using: sender.publicKey) == parsed.signingInput())
        #expect(try Envelope(json: try JSONValue(parsing: parsed.payload)) == envelope)
        #expect(try MessageSealing.open(envelope, with: recipient) == Array(#"{"name":"Arta"}"#.utf8))
    }

    @Test func anotherKeyCannotOpenItAndABodyMovedToAnotherMessageIsRefused() throws {
        let id = MessageID.random()
        let (_, envelope) = try MessageSealing.seal(Array("{}".utf8), id: id, to: [recipient.publicKey], signingKey: sender) {
            try self.envelope(id, body: $0)
        }
        #expect(throws: MessageSealing.OpeningFailure.notForThisKey) { try MessageSealing.open(envelope, with: try AgreementPrivateKey.generate()) }
        let moved = try self.envelope(MessageID.random(), body: envelope.body)
        #expect(throws: MessageSealing.OpeningFailure.boundToAnotherMessage) { try MessageSealing.open(moved, with: recipient) }
    }
}
