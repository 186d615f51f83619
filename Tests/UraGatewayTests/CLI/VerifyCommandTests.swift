import Foundation
import Testing
import UraCrypto
import UraJSON
import UraModel
import UraSchema
@testable import UraGateway

/// `ura verify` offline against the demo's directory: who may sign which receipt, envelopes the
/// gateway's strict parser would refuse, and a signed directory that does not check out — each
/// exit 2 with one sentence.
@Suite struct VerifyCommandTests {
    let police = "al.police.dvp-tirane", shelter = "al.shelter.qkpvt", gateway = "al.ura.gateway"

    func receipt(_ kind: Receipt.Kind, by signer: String, recipient: String? = nil, key: SigningKey, in demo: OfflineDemo) throws -> String {
        let receipt = Receipt(kind: kind, message: .random(), digest: Base64URL.encode(SHA256.hash(Array("a message".utf8))),
                              recipient: try recipient.map { try AgencyID($0) }, at: Date(), by: try AgencyID(signer))
        let signed = try JWS.sign(payload: receipt.json.serialized(), header: ["typ": "ura-receipt+json"], with: key).serialized()
        return try demo.file("receipt-\(UUID().uuidString).jws", signed)
    }

    func verify(_ path: String, in demo: OfflineDemo) async throws -> Processes.Result {
        try await demo.ura(nil, ["verify", path, "--directory", demo.directoryFile])
    }

    @Test func anAcceptedOrFailedReceiptIsValidOnlyWhenTheGatewaySignedIt() async throws {
        let demo = try OfflineDemo()
        let byGateway = try await verify(try receipt(.accepted, by: gateway, key: try demo.gatewayKey(), in: demo), in: demo)
        #expect(byGateway.status == 0, "\(byGateway)")
        for kind in [Receipt.Kind.accepted, .failed] {
            let byAgency = try await verify(try receipt(kind, by: police, recipient: shelter, key: try demo.signingKey(police), in: demo), in: demo)
            #expect(byAgency.status == 2, "\(kind): \(byAgency)")
            #expect(byAgency.stderr.contains("must be signed by \(gateway), not by \(police)"), "\(byAgency.stderr)")
        }
    }

    @Test func aDeliveredReceiptIsValidOnlyWhenItsRecipientSignedIt() async throws {
        let demo = try OfflineDemo()
        let byRecipient = try await verify(try receipt(.delivered, by: shelter, recipient: shelter, key: try demo.signingKey(shelter), in: demo), in: demo)
        #expect(byRecipient.status == 0, "\(byRecipient)")
        let byOther = try await verify(try receipt(.delivered, by: police, recipient: shelter, key: try demo.signingKey(police), in: demo), in: demo)
        #expect(byOther.status == 2 && byOther.stderr.contains("must be signed by \(shelter)"), "\(byOther)")
    }

    @Test func aReceiptMissingAFieldIsReportedInOneSentenceNamingIt() async throws {
        let demo = try OfflineDemo()
        let payload: JSONValue = ["receipt": "accepted", "message": .string(MessageID.random().rawValue), "at": "2026-11-23T09:15:00Z",
                                  "by": .string(gateway)]
        let signed = try JWS.sign(payload: payload.serialized(), header: ["typ": "ura-receipt+json"], with: try demo.gatewayKey()).serialized()
        let result = try await verify(try demo.file("no-digest.jws", signed), in: demo)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("digest") && !result.stderr.contains("CodingKeys"), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
    }

    @Test func aMessageWithAMemberNamedTwiceIsNotValidAndDoesNotCrashVerify() async throws {
        let demo = try OfflineDemo()
        let mission = "al.mepj.mission.gr-athens"
        let composer = MessageComposer(agency: try AgencyID(mission), signingKey: try demo.signingKey(mission), directory: try demo.directory(),
                                       catalogue: try MessageCatalogue(directory: demo.schemas))
        let draft = MessageComposer.Draft(type: try MessageType("return.found-abroad"), to: [try AgencyID("al.mpb.secretariat")],
                                          caseReference: try CaseReference("AL-2026-000061"), subject: .child,
                                          form: try demo.example("return.found-abroad", caseReference: "AL-2026-000061"))
        let payload = try JWS.parse(try composer.compose(draft)).payload
        // The same envelope with "type" written twice: Foundation's decoder takes it, the gateway's parser does not.
        let doubled = Array(#"{"type":"return.found-abroad","#.utf8) + payload.dropFirst()
        let signed = try JWS.sign(payload: doubled, header: ["typ": "ura-message+json"], with: try demo.signingKey(mission)).serialized()
        let result = try await verify(try demo.file("doubled.jws", signed), in: demo)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("appears twice"), "\(result.stderr)")
    }

    @Test func aSignedDirectoryThatDoesNotCheckOutFailsVerificationWithExit2() async throws {
        let demo = try OfflineDemo()
        let signed = try JWS.parse(try demo.signed(try demo.directory()))
        var signature = try Base64URL.decode(signed.signature.signatureB64)
        signature[5] ^= 0x01
        let forged = FlattenedJWS(protected: signed.signature.protectedB64, payload: signed.payloadB64, signature: Base64URL.encode(signature))
        let result = try await verify(try demo.file("directory.jws", forged.serialized()), in: demo)
        #expect(result.status == 2, "\(result)")
        let good = try await verify(try demo.file("good-directory.jws", try demo.signed(try demo.directory())), in: demo)
        #expect(good.status == 0, "\(good)")
    }
}
