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

/// Confidentiality declarations (form A1): recorded only when signed by the declaring agency with
/// the name encrypted to the secretariat; an interview record needs one per participant role.
@Suite(.offThePool) struct DeclarationTests {
    let caseReference = try! CaseReference("AL-2026-000042")

    func desk(_ f: GatewayFixture) -> DeclarationDesk {
        DeclarationDesk(store: f.store, directory: f.book, catalogue: f.catalogue, clock: f.clock, events: GatewayEvents(metrics: f.metrics))
    }

    func declaration(_ f: GatewayFixture, by agency: TestAgency, role: DeclarantRole, id: String = MessageID.random().rawValue,
                     claimedAgency: AgencyID? = nil, declaredOn: String = "2026-11-24", nameTo: [TestAgency]? = nil,
                     caseReference: CaseReference? = nil, signWith: SigningKey? = nil) throws -> [UInt8] {
        try SignedDeclaration.sign(id: id, caseReference: caseReference ?? self.caseReference, role: role, agency: claimedAgency ?? agency.id,
                                 declaredOn: declaredOn, formDigest: Base64URL.encode(SHA256.hash(Array("signed A1 form".utf8))),
                                 name: "Arta Hoxha", secretariatKeys: (nameTo ?? [f.secretariat]).map(\.encryption.publicKey),
                                 key: signWith ?? agency.signing)
    }

    func problem(_ f: GatewayFixture, _ bytes: [UInt8], from agency: TestAgency) async -> GatewayError? {
        do {
            _ = try await desk(f).record(bytes, from: agency.agency)
            return nil
        } catch { return error }
    }

    @Test func aDeclarationIsRecordedInTheLedgerAndOnlyTheSecretariatCanReadTheName() async throws {
        let f = try GatewayFixture()
        let before = try f.store.ledgerSize()
        let bytes = try declaration(f, by: f.police, role: .interviewer, id: "7b0e8a52-3f5c-4f8e-9d0b-6f1d2c3b4a50")
        let (record, isNew) = try await desk(f).record(bytes, from: f.police.agency)
        #expect(isNew && record.role == .interviewer && record.agency == f.police.id)
        #expect(try f.store.ledgerSize() == before + 1)
        let entry = try #require(try f.store.ledgerEntries(from: before, count: 1).first)
        let logged = String(decoding: entry.leaf, as: UTF8.self)
        #expect(logged.contains("7b0e8a52-3f5c-4f8e-9d0b-6f1d2c3b4a50") && !logged.contains("Arta"))
        #expect(try Ledger(store: f.store, signer: f.signer).verify().isIntact)

        let stored = try #require(try f.store.declarations(forCase: caseReference).first)
        #expect(!String(decoding: stored.encryptedName, as: UTF8.self).contains("Arta"))
        let name = try JWE.parse(json: JSONValue(parsing: stored.encryptedName)).decrypt(with: f.secretariat.encryption).plaintext
        #expect(String(decoding: name, as: UTF8.self) == "Arta Hoxha")
        #expect(throws: DecryptionError.self) { try JWE.parse(json: JSONValue(parsing: stored.encryptedName)).decrypt(with: f.police.encryption) }

        // The same signed declaration again is not a second record; the same id with other content is a conflict.
        #expect(try await desk(f).record(bytes, from: f.police.agency).isNew == false)
        let other = try declaration(f, by: f.police, role: .interpreter, id: "7b0e8a52-3f5c-4f8e-9d0b-6f1d2c3b4a50")
        #expect(await problem(f, other, from: f.police)?.type == .idConflict)
        let otherCase = try declaration(f, by: f.police, role: .interviewer, id: "7b0e8a52-3f5c-4f8e-9d0b-6f1d2c3b4a50",
                                        caseReference: CaseReference("AL-2026-000043"))
        #expect(await problem(f, otherCase, from: f.police)?.type == .idConflict)
        #expect(try f.store.declarations(forCase: caseReference).count == 1)
    }

    @Test func badDeclarationsAreRefusedAndNothingIsStored() async throws {
        let f = try GatewayFixture()
        let before = try f.store.ledgerSize()
        // The name must be readable by the secretariat.
        let toPolice = try declaration(f, by: f.police, role: .interviewer, nameTo: [f.police])
        #expect(await problem(f, toPolice, from: f.police)?.type == .bodyNotEncryptedToRecipient)
        // An agency declares for itself only.
        let forShelter = try declaration(f, by: f.police, role: .interviewer, claimedAgency: f.shelter.id)
        #expect(await problem(f, forShelter, from: f.police)?.type == .senderMismatch)
        // Signed with another agency's key.
        let foreignKey = try declaration(f, by: f.police, role: .interviewer, signWith: f.shelter.signing)
        #expect(await problem(f, foreignKey, from: f.police)?.type == .unknownSigningKey)
        // A declaration is signed before the interview, not next week.
        let future = try declaration(f, by: f.police, role: .interviewer, declaredOn: "2026-12-01")
        #expect(await problem(f, future, from: f.police)?.detail.contains("in the future") == true)
        // Not a JWS, not JSON, a payload missing its role, a wrong typ.
        #expect(await problem(f, Array("hello".utf8), from: f.police)?.type == .malformedJWS)
        let noRole = try JWS.sign(payload: JSONValue.object(["id": "7b0e8a52-3f5c-4f8e-9d0b-6f1d2c3b4a51", "case": "AL-2026-000042"]).serialized(),
                                  header: ["typ": "ura-declaration+json"], with: f.police.signing).serialized()
        let schemaProblem = await problem(f, noRole, from: f.police)
        #expect(schemaProblem?.type == .invalidRequest && schemaProblem?.detail.contains("declaration.schema.json") == true)
        let message = try f.message(from: f.police, to: [f.secretariat])
        #expect(await problem(f, message, from: f.police)?.type == .malformedJWS)

        #expect(try f.store.ledgerSize() == before)
        #expect(try f.store.declarations(forCase: caseReference).isEmpty)
    }

    @Test func anInterviewRecordIsAcceptedOnlyWithADeclarationForEveryRoleItLists() async throws {
        let f = try GatewayFixture()
        func interview() throws -> [UInt8] {
            try f.message(from: f.police, to: [f.secretariat], type: "identification.formal-interview.child", subject: .child,
                          participants: [.interviewer, .interpreter, .psychologist])
        }
        _ = try await desk(f).record(try declaration(f, by: f.police, role: .interviewer), from: f.police.agency)
        // Another agency's declaration for the same case does not count for the police's interview.
        _ = try await desk(f).record(try declaration(f, by: f.child, role: .interpreter), from: f.child.agency)
        let missing = await f.rejection(try interview(), as: f.police)
        #expect(missing?.type == .declarationsMissing)
        #expect(missing?.detail.contains("interpreter, psychologist") == true, "\(missing?.detail ?? "")")
        #expect(missing?.detail.contains("interviewer") == false)

        _ = try await desk(f).record(try declaration(f, by: f.police, role: .interpreter), from: f.police.agency)
        _ = try await desk(f).record(try declaration(f, by: f.police, role: .psychologist), from: f.police.agency)
        _ = try await f.submit(try interview(), as: f.police)

        // An interview record that lists no participants is refused: the roles present must be named.
        let unnamed = try f.message(from: f.police, to: [f.secretariat], type: "identification.formal-interview.child", subject: .child)
        #expect(await f.rejection(unnamed, as: f.police)?.type == .declarationsMissing)
    }
}
