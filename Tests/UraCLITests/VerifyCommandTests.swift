import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
import UraCrypto
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
@testable import UraProvisioning
import UraSchema
import UraStoreSQLite
import UraTestTraits

/// `ura verify` offline against the demo's directory: who may sign which receipt, with a key valid
/// when, envelopes the gateway's strict parser would refuse, and a signed directory that does not
/// check out — each exit 2 with one sentence.
@Suite(.offThePool) struct VerifyCommandTests {
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
        let payload = try JWS.parse(try message(caseReference: "AL-2026-000061", in: demo)).payload
        // The same envelope with "type" written twice: Foundation's decoder takes it, the gateway's parser does not.
        let doubled = Array(#"{"type":"return.found-abroad","#.utf8) + payload.dropFirst()
        let signed = try JWS.sign(payload: doubled, header: ["typ": "ura-message+json"], with: try demo.signingKey(mission)).serialized()
        let result = try await verify(try demo.file("doubled.jws", signed), in: demo)
        #expect(result.status == 2, "\(result)")
        #expect(result.stderr.contains("appears twice"), "\(result.stderr)")
    }

    /// The demo's directory with `agency`'s signing key valid only from `notBefore` until `notAfter`, as a plain file.
    func directory(_ demo: OfflineDemo, signingKeyOf agency: String, notBefore: Date? = nil, notAfter: Date? = nil) throws -> (Directory, String) {
        var directory = try demo.directory()
        var entry = try #require(directory[AgencyID(agency)])
        for i in entry.keys.indices where entry.keys[i].use == .sig {
            entry.keys[i].notBefore = notBefore
            entry.keys[i].notAfter = notAfter
        }
        directory.upsert(entry)
        return (directory, try demo.file("directory-\(UUID().uuidString).json", Array(try DirectoryFile.encode(directory).utf8)))
    }

    /// A message from the mission to the secretariat, for `caseReference`, that says it was made at `created`.
    func message(madeAt created: Date = Date(), caseReference: String = "AL-2026-000065", in demo: OfflineDemo) throws -> [UInt8] {
        let mission = "al.mepj.mission.gr-athens"
        let composer = MessageComposer(agency: try AgencyID(mission), signingKey: try demo.signingKey(mission), directory: try demo.directory(),
                                       catalogue: try MessageCatalogue(directory: demo.schemas))
        let draft = MessageComposer.Draft(type: try MessageType("return.found-abroad"), to: [try AgencyID("al.mpb.secretariat")],
                                          caseReference: try CaseReference(caseReference), subject: .child,
                                          form: try demo.example("return.found-abroad", caseReference: caseReference))
        return try composer.compose(draft, now: created)
    }

    @Test func aMessageSignedWithAKeyNotYetValidWhenItWasMadeIsNotValid() async throws {
        let demo = try OfflineDemo()
        let (_, directory) = try directory(demo, signingKeyOf: "al.mepj.mission.gr-athens", notBefore: Date(timeIntervalSinceNow: 86_400))
        let result = try await demo.ura(nil, ["verify", try demo.file("early.jws", try message(madeAt: Date(), in: demo)), "--directory", directory])
        #expect(result.status == 2 && result.stderr.contains("valid only from"), "\(result)")
    }

    @Test func aMessageMadeAfterItsKeyExpiredIsNotValidAndOneMadeBeforeStillIs() async throws {
        let demo = try OfflineDemo()
        let (_, directory) = try directory(demo, signingKeyOf: "al.mepj.mission.gr-athens", notAfter: Date(timeIntervalSinceNow: -86_400))
        let late = try await demo.ura(nil, ["verify", try demo.file("late.jws", try message(madeAt: Date(), in: demo)), "--directory", directory])
        #expect(late.status == 2 && late.stderr.contains("which expired at"), "\(late)")
        let earlier = try await demo.ura(nil, ["verify", try demo.file("earlier.jws", try message(madeAt: Date(timeIntervalSinceNow: -2 * 86_400), in: demo)),
                                               "--directory", directory])
        #expect(earlier.status == 0 && earlier.stdout.hasPrefix("valid: message"), "\(earlier)")
    }

    @Test func aMessageThatSaysItWasMadeLaterThanNowIsNotValid() async throws {
        let demo = try OfflineDemo()
        let ahead = try await verify(try demo.file("ahead.jws", try message(madeAt: Date(timeIntervalSinceNow: 3_600), in: demo)), in: demo)
        #expect(ahead.status == 2 && ahead.stderr.contains("after this computer's time"), "\(ahead)")
        let withinSkew = try await verify(try demo.file("skew.jws", try message(madeAt: Date(timeIntervalSinceNow: 60), in: demo)), in: demo)
        #expect(withinSkew.status == 0, "\(withinSkew)")
    }

    /// A gateway that allows more skew than 5 minutes (`intake.clock_skew_seconds`): the profile's
    /// `clock_skew_seconds` lets `ura` accept what the gateway accepted; a bad value is refused.
    @Test func theProfilesClockSkewFollowsTheGateways() async throws {
        let demo = try OfflineDemo()
        let secretariat = "al.mpb.secretariat"
        let profile = demo.agencyFolder(secretariat).appendingPathComponent("profile.json")
        func setSkew(_ value: JSONValue) throws {
            guard case .object(var object) = try JSONValue(parsing: Array(try Data(contentsOf: profile))) else { return }
            object["clock_skew_seconds"] = value
            try Data(JSONValue.object(object).serialized()).write(to: profile)
        }
        let ahead = try demo.file("ahead.jws", try message(madeAt: Date(timeIntervalSinceNow: 3_600), in: demo))
        let refused = try await demo.ura(secretariat, ["verify", ahead, "--directory", demo.directoryFile])
        #expect(refused.status == 2 && refused.stderr.contains("more than 300 seconds after this computer's time")
                && refused.stderr.contains("clock_skew_seconds"), "\(refused)")
        try setSkew(.number(7_200))
        let allowed = try await demo.ura(secretariat, ["verify", ahead, "--directory", demo.directoryFile])
        #expect(allowed.status == 0, "\(allowed)")
        for bad: JSONValue in [.number(0), .number(1.5), .string("1h"), .number(100_000)] {
            try setSkew(bad)
            let invalid = try await demo.ura(secretariat, ["verify", ahead, "--directory", demo.directoryFile])
            #expect(invalid.status == 78 && invalid.stderr.contains("has an invalid clock_skew_seconds"), "\(bad): \(invalid)")
        }
    }

    @Test func aReceiptCountsOnlyWhenItsSignersKeyWasValidAtItsTime() async throws {
        let demo = try OfflineDemo()
        let (_, directory) = try directory(demo, signingKeyOf: shelter, notAfter: Date(timeIntervalSinceNow: -86_400))
        func delivered(at: Date) throws -> String {
            let receipt = Receipt(kind: .delivered, message: .random(), digest: Base64URL.encode(SHA256.hash(Array("a message".utf8))),
                                  recipient: try AgencyID(shelter), at: at, by: try AgencyID(shelter))
            let signed = try JWS.sign(payload: receipt.json.serialized(), header: ["typ": "ura-receipt+json"], with: try demo.signingKey(shelter)).serialized()
            return try demo.file("receipt-\(UUID().uuidString).jws", signed)
        }
        let late = try await demo.ura(nil, ["verify", try delivered(at: Date()), "--directory", directory])
        #expect(late.status == 2 && late.stderr.contains("which expired at"), "\(late)")
        let earlier = try await demo.ura(nil, ["verify", try delivered(at: Date(timeIntervalSinceNow: -2 * 86_400)), "--directory", directory])
        #expect(earlier.status == 0, "\(earlier)")
    }

    /// `ura inbox` checks each message with `MessageCheck`: one signed with an expired key is not
    /// opened, so it is reported and not acknowledged.
    /// A body sealed for one case inside an envelope filed under another (a replay of a real
    /// form into another case) is not opened, so it is never acknowledged.
    @Test func theInboxDoesNotOpenAFormFiledUnderAnotherCase() throws {
        let demo = try OfflineDemo()
        let mission = "al.mepj.mission.gr-athens"
        let secretariat = try AgencyID("al.mpb.secretariat")
        let directory = try demo.directory()
        let id = MessageID.random()
        let form = try demo.example("return.found-abroad", caseReference: "AL-2026-000066")
        let keys = directory[secretariat]!.keys(for: .enc, validAt: Date()).compactMap { try? AgreementPublicKey(jwk: $0.jwk) }
        let (jws, _) = try MessageSealing.seal(form.serialized(), id: id, to: keys, signingKey: try demo.signingKey(mission)) { body in
            try Envelope(id: id, type: try MessageType("return.found-abroad"), from: try AgencyID(mission), to: [secretariat],
                         caseReference: try CaseReference("AL-2026-000065"), subject: .adult, created: Date(),
                         expires: Date(timeIntervalSinceNow: 86_400), body: body)
        }
        let key = try AgreementPrivateKey(contentsOfFile: demo.agencyFolder(secretariat.rawValue).appendingPathComponent("encryption.key").path)
        #expect {
            _ = try InboxReader.open(jws.serialized(), directory: directory, catalogue: try MessageCatalogue(directory: demo.schemas), key: key, me: secretariat)
        } throws: { error in
            (error as? ClientError)?.kind == .verificationFailed && (error as? ClientError)?.message.contains("about case AL-2026-000066") == true
        }
    }

    @Test func theInboxDoesNotOpenAMessageSignedWithAKeyExpiredWhenItWasMade() throws {
        let demo = try OfflineDemo()
        let (directory, _) = try directory(demo, signingKeyOf: "al.mepj.mission.gr-athens", notAfter: Date(timeIntervalSinceNow: -86_400))
        let secretariat = try AgencyID("al.mpb.secretariat")
        let key = try AgreementPrivateKey(contentsOfFile: demo.agencyFolder(secretariat.rawValue).appendingPathComponent("encryption.key").path)
        let catalogue = try MessageCatalogue(directory: demo.schemas)
        #expect {
            _ = try InboxReader.open(try message(madeAt: Date(), in: demo), directory: directory, catalogue: catalogue, key: key, me: secretariat)
        } throws: { error in
            (error as? ClientError)?.kind == .verificationFailed && (error as? ClientError)?.message.contains("which expired at") == true
        }
        let earlier = try InboxReader.open(try message(madeAt: Date(timeIntervalSinceNow: -2 * 86_400), in: demo), directory: directory,
                                            catalogue: catalogue, key: key, me: secretariat)
        #expect(earlier.envelope.caseReference.rawValue == "AL-2026-000065")
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

    /// A receipt signed per batch: the gateway's tree head over a two-entry ledger whose second
    /// entry accepts the message.
    func ledgerReceipt(in demo: OfflineDemo, headKey: SigningKey? = nil, tamper: Bool = false) throws -> String {
        let metadata = MessageMetadata(
            id: .random(), type: MessageType(validated: "notice"), from: try AgencyID(police), to: [try AgencyID(shelter)],
            caseReference: CaseReference(validated: "AL-2026-000042"), subject: .child, priority: .normal, created: Date(),
            expires: Date().addingTimeInterval(86_400), inReplyTo: nil, participants: nil, county: nil)
        let chain = LedgerChain(hash: { SHA256.hash($0) })
        let tree = MerkleTree(hash: { SHA256.hash($0) })
        let first = chain.leaf(index: 0, previous: LedgerChain.genesis, event: LedgerEvent(.deadlineArmed, at: Date()))
        let second = chain.leaf(index: 1, previous: chain.leafHash(first),
                                event: MessageBinding.acceptedEvent(metadata, digest: Base64URL.encode(SHA256.hash(Array("a message".utf8))), at: Date()))
        let hashes = [first, second].map(chain.leafHash)
        let payload: JSONValue = ["gateway": .string(gateway), "root": .string(Base64URL.encode(tree.root(hashes[...]))), "tree_size": 2]
        let head = try JWS.sign(payload: payload.serialized(options: .sortedKeys), header: ["typ": "ura-tree-head+json"],
                                with: try headKey ?? demo.gatewayKey()).serialized()
        let path = tamper ? [[UInt8](repeating: 1, count: 32)] : tree.inclusionProof(index: 1, hashes[...])
        let receipt = try #require(LedgerReceipt(index: 1, leaf: second, path: path, treeSize: 2, signedHead: head, by: try AgencyID(gateway)))
        return try demo.file("ledger-receipt-\(UUID().uuidString).json", receipt.serialized())
    }

    @Test func aLedgerReceiptChecksOutAgainstTheGatewaysKeyAndItsAuditPath() async throws {
        let demo = try OfflineDemo()
        let good = try await verify(try ledgerReceipt(in: demo), in: demo)
        #expect(good.status == 0 && good.stdout.contains("valid: accepted receipt for") && good.stdout.contains("signed by \(gateway)"), "\(good)")
        let tampered = try await verify(try ledgerReceipt(in: demo, tamper: true), in: demo)
        #expect(tampered.status == 2 && tampered.stderr.contains("the audit path does not lead from its leaf to the root"), "\(tampered)")
        let otherKey = try await verify(try ledgerReceipt(in: demo, headKey: try SigningKey.generate()), in: demo)
        #expect(otherKey.status == 2 && otherKey.stderr.contains("does not list that key"), "\(otherKey)")
    }
}
