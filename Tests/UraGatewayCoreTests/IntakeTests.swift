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
import UraStore
import UraStoreSQLite
import UraTestTraits

@Suite(.offThePool) struct IntakeTests {
    @Test func aValidMessageIsCommittedWithASignedAcceptedReceipt() async throws {
        let f = try GatewayFixture()
        let id = MessageID.random()
        let bytes = try f.message(from: f.police, to: [f.secretariat, f.shelter], id: id)
        let submission = try await f.submit(bytes, as: f.police)
        #expect(submission.isNew && submission.messageID == id)

        let receiptJWS = try JWS.parse(submission.receipt)
        try receiptJWS.verify(using: f.signer.key.publicKey)
        let receipt = try JSONDecoder().decode(Receipt.self, from: Data(receiptJWS.payload))
        let digest = Base64URL.encode(SHA256.hash(try JWS.parse(bytes).signingInput()))
        #expect(receipt.kind == .accepted && receipt.message == id && receipt.digest == digest && receipt.by == f.signer.id)

        let stored = try #require(try f.store.message(id))
        #expect(stored.signedBytes == bytes && stored.acceptedReceipt == submission.receipt && stored.digest == digest)
        let deliveries = try f.store.deliveries(of: id)
        #expect(deliveries.map(\.channel) == [.pull, .push])  // secretariat pulls, the shelter is pushed to
        #expect(f.metrics.value("ura_messages_accepted_total", ["notice"]) == 1)
    }

    @Test func theSameMessageAgainGetsTheOriginalReceipt() async throws {
        let f = try GatewayFixture()
        let bytes = try f.message(from: f.police, to: [f.secretariat])
        let first = try await f.submit(bytes, as: f.police)
        f.clock.advance(by: .seconds(60))
        let again = try await f.submit(bytes, as: f.police)
        #expect(!again.isNew && again.receipt == first.receipt)
        #expect(try f.store.ledgerSize() == 1)
    }

    @Test func aResentMessageGetsItsReceiptEvenAfterItExpiredOrTheKeyWasRotated() async throws {
        let f = try GatewayFixture()
        let bytes = try f.message(from: f.police, to: [f.secretariat], lifetime: 3600)
        let first = try await f.submit(bytes, as: f.police)
        // A mission's outbox sends again two days later: the message has expired meanwhile.
        f.clock.advance(by: .seconds(2 * 86_400))
        let again = try await f.submit(bytes, as: f.police)
        #expect(!again.isNew && again.receipt == first.receipt && again.messageID == first.messageID)
        // The police rotated their key: the directory no longer lists the one that signed it.
        let directory = f.book.snapshot.directory
        var agencies = directory.agencies
        let police = try #require(agencies.firstIndex { $0.id == f.police.id })
        agencies[police].keys.removeAll { $0.use == .sig }
        f.book.replace(try DirectorySnapshot(try Directory(version: 2, issued: f.clock.now, gateway: directory.gateway, agencies: agencies)))
        #expect(try await f.submit(bytes, as: f.police).receipt == first.receipt)
        #expect(try f.store.ledgerSize() == 1)
        // Only to its sender, and only for the same signed contents.
        #expect(await f.rejection(bytes, as: f.social)?.type == .unknownSigningKey)
    }

    @Test func anExpiredMessageNeverAcceptedIsStillRefused() async throws {
        let f = try GatewayFixture()
        let first = try f.message(from: f.police, to: [f.secretariat], lifetime: 3600)
        _ = try await f.submit(first, as: f.police)
        f.clock.advance(by: .seconds(7200))
        let other = try f.message(from: f.police, to: [f.secretariat], created: f.clock.now.addingTimeInterval(-200), lifetime: 100)
        #expect(await f.rejection(other, as: f.police)?.type == .messageExpired)
        #expect(try f.store.ledgerSize() == 1)
    }

    @Test func theSameIDWithAnotherDigestIsAConflict() async throws {
        let f = try GatewayFixture()
        let id = MessageID.random()
        _ = try await f.submit(try f.message(from: f.police, to: [f.secretariat], id: id), as: f.police)
        let other = try f.message(from: f.police, to: [f.secretariat], id: id, note: "another text")
        #expect(await f.rejection(other, as: f.police)?.type == .idConflict)
    }

    // MARK: Each rejection, with its problem type, and nothing stored.

    func expectRejected(_ f: GatewayFixture, _ bytes: [UInt8], as agency: TestAgency, _ type: ProblemType, _ detail: String? = nil) async throws {
        let problem = await f.rejection(bytes, as: agency)
        #expect(problem?.type == type, "\(problem.map(String.init(describing:)) ?? "accepted")")
        if let detail { #expect(problem?.detail.contains(detail) == true, "\(problem?.detail ?? "")") }
        #expect(try f.store.ledgerSize() == 0)
        #expect(f.metrics.value("ura_messages_rejected_total", [type.rawValue]) >= 1)
    }

    @Test func oversizedMessagesAreRefused() async throws {
        let f = try GatewayFixture()
        let bytes = try f.message(from: f.police, to: [f.secretariat], note: String(repeating: "x", count: 11 << 20))
        try await expectRejected(f, bytes, as: f.police, .payloadTooLarge)
    }

    @Test func malformedInputIsRefused() async throws {
        let f = try GatewayFixture()
        try await expectRejected(f, Array("{not json".utf8), as: f.police, .malformedJSON)
        try await expectRejected(f, Array("a.b.c".utf8), as: f.police, .malformedJWS)
        try await expectRejected(f, Array(#"{"payload":"e30"}"#.utf8), as: f.police, .malformedJWS)
    }

    @Test func aBadSignatureIsRefused() async throws {
        let f = try GatewayFixture()
        let jws = try JWS.parse(try f.message(from: f.police, to: [f.secretariat]))
        var signature = try Base64URL.decode(jws.signature.signatureB64)
        signature[0] ^= 1
        let bytes = FlattenedJWS(protected: jws.signature.protectedB64, payload: jws.payloadB64, signature: Base64URL.encode(signature)).serialized()
        try await expectRejected(f, bytes, as: f.police, .invalidSignature)
    }

    @Test func aKeyRegisteredForAnotherAgencyIsRefused() async throws {
        let f = try GatewayFixture()
        let bytes = try f.message(from: f.police, to: [f.secretariat], signWith: f.social.signing)
        try await expectRejected(f, bytes, as: f.police, .unknownSigningKey, "registered for al.shssh.tirane, not al.police.dvp-tirane")
        let stranger = try f.message(from: f.police, to: [f.secretariat], signWith: try SigningKey.generate())
        try await expectRejected(f, stranger, as: f.police, .unknownSigningKey, "not registered for al.police.dvp-tirane")
    }

    @Test func anAgencySendsOnlyAsItself() async throws {
        let f = try GatewayFixture()
        // Signed by the police with the police's key, but presented through the social service's certificate.
        try await expectRejected(f, try f.message(from: f.police, to: [f.secretariat]), as: f.social, .unknownSigningKey)
        // Signed by the social service, claiming to come from the police.
        let claim = try f.message(from: f.social, to: [f.secretariat]) { $0["from"] = .string(f.police.id.rawValue) }
        try await expectRejected(f, claim, as: f.social, .senderMismatch, "the envelope says from al.police.dvp-tirane")
    }

    @Test func anEnvelopeThatDoesNotMatchItsSchemaIsRefusedWithPaths() async throws {
        let f = try GatewayFixture()
        let bytes = try f.message(from: f.police, to: [f.secretariat]) { $0["case"] = "Arta Hoxha"; $0["colour"] = "red" }
        let problem = await f.rejection(bytes, as: f.police)
        #expect(problem?.type == .invalidEnvelope)
        let pointers = problem?.extensions["errors"]?.arrayValue?.compactMap { $0["pointer"]?.stringValue } ?? []
        #expect(pointers.contains("/case"))
        #expect(problem?.extensions["errors"]?.arrayValue?.contains { $0["keyword"] == "additionalProperties" } == true)
    }

    @Test func timesOutsideTheWindowAreRefused() async throws {
        let f = try GatewayFixture()
        let ahead = try f.message(from: f.police, to: [f.secretariat], created: f.clock.now.addingTimeInterval(3600))
        try await expectRejected(f, ahead, as: f.police, .createdOutOfWindow, "check the sending computer's clock")
        let stale = try f.message(from: f.police, to: [f.secretariat], created: f.clock.now.addingTimeInterval(-15 * 86_400))
        try await expectRejected(f, stale, as: f.police, .createdOutOfWindow, "more than 14 days ago")
        let expired = try f.message(from: f.police, to: [f.secretariat], created: f.clock.now.addingTimeInterval(-200), lifetime: 100)
        try await expectRejected(f, expired, as: f.police, .messageExpired)
    }

    @Test func aMessageSealedOfflineHoursAgoIsStillAccepted() async throws {
        let f = try GatewayFixture()
        let late = try f.message(from: f.police, to: [f.secretariat], created: f.clock.now.addingTimeInterval(-6 * 3600))
        #expect(try await f.submit(late, as: f.police).isNew)
    }

    @Test func unknownAndSuspendedRecipientsAreRefused() async throws {
        let f = try GatewayFixture()
        let ghost = try TestAgency("al.police.nowhere", .police)
        try await expectRejected(f, try f.message(from: f.police, to: [ghost]), as: f.police, .unknownRecipient, "al.police.nowhere is not in the directory")
        try await expectRejected(f, try f.message(from: f.police, to: [f.suspended]), as: f.police, .recipientInactive)
    }

    @Test func aSuspendedSenderIsRefused() async throws {
        let f = try GatewayFixture()
        try await expectRejected(f, try f.message(from: f.suspended, to: [f.secretariat]), as: f.suspended, .agencySuspended)
    }

    @Test func theCatalogueDecidesWhoMaySendWhatToWhom() async throws {
        let f = try GatewayFixture()
        try await expectRejected(f, try f.message(from: f.police, to: [f.secretariat], type: "no.such.type"), as: f.police, .unknownMessageType)
        try await expectRejected(f, try f.message(from: f.police, to: [f.committee]), as: f.police, .routeNotAllowed, "a committee mailbox")
        try await expectRejected(f, try f.message(from: f.shelter, to: [f.child], type: "referral.shelter", subject: .child),
                                 as: f.shelter, .routeNotAllowed, "may not send referral.shelter")
        try await expectRejected(f, try f.message(from: f.police, to: [f.shelter], type: "referral.shelter", subject: .unknown),
                                 as: f.police, .routingRuleViolated, "must also be addressed to child")
    }

    @Test func theBodyMustBeBoundToTheMessageAndEncryptedToEveryRecipient() async throws {
        let f = try GatewayFixture()
        try await expectRejected(f, try f.message(from: f.police, to: [f.secretariat, f.child], encryptTo: [f.secretariat]),
                                 as: f.police, .bodyNotEncryptedToRecipient, "not encrypted to any current key of al.ashdmf.tirane")
        try await expectRejected(f, try f.message(from: f.police, to: [f.secretariat], bindTo: .random()), as: f.police, .invalidEnvelope,
                                 "ura_msg")
    }

    /// A recipient's retired encryption key (it may have leaked) no longer takes a new message.
    @Test func aBodyEncryptedOnlyToARetiredKeyIsRefused() async throws {
        let f = try GatewayFixture()
        var directory = f.book.snapshot.directory
        var secretariat = try #require(directory[f.secretariat.id])
        for i in secretariat.keys.indices where secretariat.keys[i].use == .enc { secretariat.keys[i].notAfter = f.clock.now }
        let next = try AgreementPrivateKey.generate(.x25519)
        secretariat.keys.append(DirectoryKey(kid: next.keyID, use: .enc, jwk: next.publicKey.jwk))
        directory.upsert(secretariat)
        directory.version += 1
        f.book.replace(try DirectorySnapshot(directory))
        try await expectRejected(f, try f.message(from: f.police, to: [f.secretariat]), as: f.police, .bodyNotEncryptedToRecipient,
                                 "not encrypted to any current key of al.mpb.secretariat")
    }

    @Test func anInterviewRecordNeedsItsDeclarations() async throws {
        let f = try GatewayFixture()
        let record = try f.message(from: f.police, to: [f.secretariat], type: "identification.formal-interview.child", subject: .child,
                                   participants: [.interviewer, .interpreter])
        try await expectRejected(f, record, as: f.police, .declarationsMissing, "for: interpreter, interviewer")
        for role in [DeclarantRole.interviewer, .interpreter] {
            try await f.store.recordDeclaration(DeclarationRecord(
                id: UUID().uuidString.lowercased(), caseReference: CaseReference("AL-2026-000042"), role: role, agency: f.police.id,
                declaredOn: "2026-11-24", formDigest: "d", encryptedName: [1], recordedAt: f.clock.now))
        }
        let accepted = try await f.submit(record, as: f.police)
        #expect(accepted.isNew)
        // It armed the same-day deadline for the status decision (B3).
        let deadlines = try f.store.deadlines(forCase: CaseReference("AL-2026-000042"))
        #expect(deadlines.map(\.expected) == [[MessageType(validated: "identification.status-decision")]])
        #expect(deadlines.first?.due == RFC3339.date(from: "2026-11-24T15:00:00Z"))
    }

    /// The format's profile (docs/wire-format.md): a message says its typ, its body is A256GCM with
    /// ECDH-ES+A256KW for every recipient, and each recipient entry names its key.
    @Test func aMessageOutsideTheFormatsProfileIsRefused() async throws {
        let f = try GatewayFixture()
        // No typ: the same envelope signed without it.
        let signed = try JWS.parse(try f.message(from: f.police, to: [f.secretariat]))
        let untyped = try JWS.sign(payload: signed.payload, with: f.police.signing).serialized()
        #expect(await f.rejection(untyped, as: f.police)?.type == .malformedJWS)
        #expect(await f.rejection(untyped, as: f.police)?.detail.contains("no typ") == true)

        func body(_ algorithm: KeyManagementAlgorithm, _ encryption: ContentEncryptionAlgorithm, id: MessageID) throws -> JSONValue {
            try JWE.encrypt(Array(#"{"case":"AL-2026-000042","note":"n"}"#.utf8), to: [f.secretariat.encryption.publicKey],
                            protectedHeader: ["ura_msg": .string(id.rawValue)], algorithm: algorithm, encryption: encryption).json
        }
        for (algorithm, encryption, named) in [(KeyManagementAlgorithm.ecdhESA256KW, ContentEncryptionAlgorithm.a128gcm, "A128GCM"),
                                               (.ecdhESA128KW, .a256gcm, "ECDH-ES+A128KW")] {
            let id = MessageID.random()
            let weak = try f.message(from: f.police, to: [f.secretariat], id: id) { $0["body"] = try! body(algorithm, encryption, id: id) }
            let problem = await f.rejection(weak, as: f.police)
            #expect(problem?.type == .unsupportedAlgorithm && problem?.detail.contains(named) == true, "\(named): \(String(describing: problem))")
        }

        let id = MessageID.random()
        let unnamed = try f.message(from: f.police, to: [f.secretariat], id: id) { envelope in
            var jwe = (try! body(.ecdhESA256KW, .a256gcm, id: id)).objectValue!
            var recipient = jwe["recipients"]![0]!.objectValue!
            var header = recipient["header"]!.objectValue!
            header["kid"] = nil
            recipient["header"] = .object(header)
            jwe["recipients"] = .array([.object(recipient)])
            envelope["body"] = .object(jwe)
        }
        let problem = await f.rejection(unnamed, as: f.police)
        #expect(problem?.type == .invalidEnvelope && problem?.detail.contains("recipient 0 has no kid") == true, "\(String(describing: problem))")
    }
}

