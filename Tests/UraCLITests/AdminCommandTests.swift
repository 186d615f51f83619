import UraBasics
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

/// `ura admin enrol` on an agency already in the directory: a re-enrolment keeps the agency's
/// standing (status, kind, delivery, county, parent), retires its old keys instead of dropping them
/// and keeps its old certificate pins unless told to revoke them; a different kind is refused
/// before anything is written.
@Suite(.offThePool) struct AdminCommandTests {
    let mission = "al.mepj.mission.gr-athens"
    let pushURL = "https://athens.mission.example.al/ura"

    /// New keys and a certificate request for `agency`: the keys.json and the CSR's paths.
    func newKeys(for agency: String, in demo: OfflineDemo) async throws -> (keys: String, csr: String) {
        let folder = demo.root.appendingPathComponent("keys-\(UUID().uuidString)")
        let generated = try await demo.ura(nil, ["keys", "generate", "--out", folder.path, "--agency", agency])
        #expect(generated.status == 0, "\(generated)")
        let csr = folder.appendingPathComponent("tls.csr").path
        let requested = try await demo.ura(nil, ["cert", "request", "--agency", agency, "--key", folder.appendingPathComponent("tls.key").path, "--out", csr])
        #expect(requested.status == 0, "\(requested)")
        return (folder.appendingPathComponent("keys.json").path, csr)
    }

    /// The mission suspended and receiving by push, as an operator may have left it.
    func suspendedPushMission(in demo: OfflineDemo) throws -> Agency {
        var directory = try demo.directory()
        var agency = try #require(directory[AgencyID(mission)])
        agency.status = .suspended
        agency.delivery = .push(url: pushURL)
        directory.upsert(agency)
        try DirectoryFile.write(directory, to: URL(fileURLWithPath: demo.directoryFile))
        return agency
    }

    func enrol(_ arguments: [String], keys: (keys: String, csr: String), in demo: OfflineDemo) async throws -> Processes.Result {
        try await demo.ura(nil, ["admin", "enrol", "--data-dir", demo.data.path, "--csr", keys.csr, "--keys", keys.keys] + arguments)
    }

    func kids(_ keysFile: String) throws -> (signing: String, encryption: String) {
        let keys = try JSONValue(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: keysFile))))
        return (try VerificationKey(jwk: try #require(keys["signing"])).thumbprint, try AgreementPublicKey(jwk: try #require(keys["encryption"])).thumbprint)
    }

    func issuedPin(_ agency: String, in demo: OfflineDemo) throws -> CertificatePin {
        let pem = try String(contentsOf: demo.data.appendingPathComponent("agencies/\(agency).crt"), encoding: .utf8)
        return CertificatePin(sha256: try Certificate(pem: pem).sha256Fingerprint)
    }

    @Test func reEnrollingASuspendedPushAgencyKeepsItsStandingAndRetiresItsOldKeys() async throws {
        let demo = try OfflineDemo()
        let before = try suspendedPushMission(in: demo)
        let version = try demo.directory().version
        let keys = try await newKeys(for: mission, in: demo)
        let started = Date()

        let result = try await enrol(["--kind", "mission"], keys: keys, in: demo)
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("re-enrolled \(mission)") && result.stdout.contains("stays suspended"), "\(result.stdout)")
        #expect(result.stdout.contains("keys retired"), "\(result.stdout)")

        let directory = try demo.directory()
        let after = try #require(directory[AgencyID(mission)])
        #expect(directory.version == version + 1)
        #expect(after.status == .suspended)
        #expect(after.delivery == .push(url: pushURL))
        #expect(after.name == before.name && after.county == before.county && after.parent == before.parent && after.parent != nil)
        for old in before.keys {
            let entry = try #require(after.keys.first { $0.kid == old.kid }, "old key \(old.kid) is no longer listed")
            let notAfter = try #require(entry.notAfter, "old key \(old.kid) has no not_after")
            #expect(notAfter >= started.addingTimeInterval(-1) && notAfter <= Date())
        }
        let new = try kids(keys.keys)
        for kid in [new.signing, new.encryption] {
            let entry = try #require(after.keys.first { $0.kid == kid }, "new key \(kid) is not listed")
            #expect(entry.notAfter == nil && entry.isValid(at: Date()))
        }
        #expect(after.certificates == before.certificates + [try issuedPin(mission, in: demo)])

        // What `ura send` seals for the agency now goes to its new encryption key only.
        let composer = MessageComposer(agency: try AgencyID("al.mpb.secretariat"), signingKey: try demo.signingKey("al.mpb.secretariat"),
                                       directory: directory, catalogue: try MessageCatalogue(directory: demo.schemas))
        let draft = MessageComposer.Draft(type: try MessageType("return.found-abroad"), to: [try AgencyID(mission)],
                                          caseReference: try CaseReference("AL-2026-000071"), subject: .child,
                                          form: try demo.example("return.found-abroad", caseReference: "AL-2026-000071"))
        let body = try JSONDecoder().decode(Envelope.self, from: Data(try JWS.parse(try composer.compose(draft)).payload)).body
        #expect(try JWE.headers(json: body).recipientKeyIDs == [new.encryption])
    }

    @Test func reEnrollingWithRevokeOldCertificatesKeepsOnlyTheNewPin() async throws {
        let demo = try OfflineDemo()
        _ = try suspendedPushMission(in: demo)
        let keys = try await newKeys(for: mission, in: demo)
        let result = try await enrol(["--kind", "mission", "--revoke-old-certificates"], keys: keys, in: demo)
        #expect(result.status == 0 && result.stdout.contains("older certificates revoked: 1"), "\(result)")
        #expect(try demo.directory()[AgencyID(mission)]?.certificates == [try issuedPin(mission, in: demo)])
    }

    @Test func reEnrollingAsAnotherKindIsAUsageErrorAndChangesNothing() async throws {
        let demo = try OfflineDemo()
        let keys = try await newKeys(for: mission, in: demo)
        let before = try Data(contentsOf: URL(fileURLWithPath: demo.directoryFile))
        let result = try await enrol(["--kind", "police", "--name", "Ambasada e Shqipërisë në Athinë"], keys: keys, in: demo)
        #expect(result.status == 64, "\(result)")
        #expect(result.stderr.contains("is enrolled as mission, not police"), "\(result.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: demo.directoryFile)) == before)
        #expect(!FileManager.default.fileExists(atPath: demo.data.appendingPathComponent("agencies/\(mission).crt").path))
    }

    /// The store's backup, restore and migration are ura-admin's: ura says where they are.
    @Test(arguments: ["backup", "restore", "migrate-store"])
    func storeCommandsPointToUraAdmin(command: String) async throws {
        let result = try await Processes.runOffPool("ura", ["admin", command, "x"])
        #expect(result.status == 64 && result.stderr.contains("ura-admin [--config FILE] [--data-dir DIR] \(command)"), "\(result)")
    }

    @Test func aNewAgencyNeedsANameAndAnEnrolledOneKeepsItsOwn() async throws {
        let demo = try OfflineDemo()
        let newcomer = "al.police.dvp-shkoder"
        let before = try Data(contentsOf: URL(fileURLWithPath: demo.directoryFile))
        let unnamed = try await enrol(["--kind", "police"], keys: try await newKeys(for: newcomer, in: demo), in: demo)
        #expect(unnamed.status == 64 && unnamed.stderr.contains("--name is required"), "\(unnamed)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: demo.directoryFile)) == before)

        let named = try await enrol(["--kind", "police", "--name", "Drejtoria Vendore e Policisë Shkodër", "--county", "shkoder"],
                                    keys: try await newKeys(for: newcomer, in: demo), in: demo)
        #expect(named.status == 0 && named.stdout.hasPrefix("enrolled \(newcomer)"), "\(named)")
        let agency = try #require(try demo.directory()[AgencyID(newcomer)])
        #expect(agency.status == .active && agency.delivery == .pull && agency.name == "Drejtoria Vendore e Policisë Shkodër")
    }

    /// A certificate path that cannot be written stops the enrolment before the directory changes.
    @Test func aCertificateThatCannotBeWrittenLeavesTheDirectoryAsItWas() async throws {
        let demo = try OfflineDemo()
        let keys = try await newKeys(for: "al.shelter.new-home", in: demo)
        let before = try Data(contentsOf: URL(fileURLWithPath: demo.directoryFile))
        let result = try await enrol(["--kind", "shelter", "--name", "Shtëpia e Re", "--out", demo.root.appendingPathComponent("missing/folder/new.crt").path],
                                     keys: keys, in: demo)
        #expect(result.status == 74 && result.stderr.contains("nothing was enrolled"), "\(result)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: demo.directoryFile)) == before)
    }

    @Test func aLoginLinkNeedsARunningUrad() async throws {
        let demo = try OfflineDemo()
        let run = demo.data.appendingPathComponent("run")
        try FileManager.default.createDirectory(at: run, withIntermediateDirectories: true)
        // What a urad killed with SIGKILL leaves behind.
        try Data("token".utf8).write(to: run.appendingPathComponent("admin-token"))
        try Data(#"{"pid": 1, "admin_port": 8444}"#.utf8).write(to: run.appendingPathComponent("urad.json"))
        let result = try await demo.ura(nil, ["admin", "login-link", "--data-dir", demo.data.path])
        #expect(result.status == 69 && result.stderr.contains("urad does not run") && result.stdout.isEmpty, "\(result)")
    }

    /// The operator chooses how an agency's accepted receipts are signed; a re-enrolment that does
    /// not say keeps the choice; a word that is neither is refused before anything is written.
    @Test func theReceiptsChoiceIsSetAtEnrolmentKeptAfterAndCheckedFirst() async throws {
        let demo = try OfflineDemo()
        #expect(try #require(try demo.directory()[AgencyID(mission)]).receipts == .perMessage)
        let version = try demo.directory().version
        let wrong = try await enrol(["--kind", "mission", "--receipts", "per_day"], keys: try await newKeys(for: mission, in: demo), in: demo)
        #expect(wrong.status == 64 && wrong.stderr.contains("--receipts: 'per_day' is neither per_message"), "\(wrong)")
        #expect(try demo.directory().version == version)

        let chosen = try await enrol(["--kind", "mission", "--receipts", "per_batch"], keys: try await newKeys(for: mission, in: demo), in: demo)
        #expect(chosen.status == 0 && chosen.stdout.contains("receipts: per_message is now per_batch"), "\(chosen)")
        #expect(try #require(try demo.directory()[AgencyID(mission)]).receipts == .perBatch)

        let kept = try await enrol(["--kind", "mission"], keys: try await newKeys(for: mission, in: demo), in: demo)
        #expect(kept.status == 0 && !kept.stdout.contains("receipts:"), "\(kept)")
        #expect(try #require(try demo.directory()[AgencyID(mission)]).receipts == .perBatch)
    }

    /// `ura keys generate --signing ES256`: a P-256 signing key the directory lists as such.
    @Test func anAgencyMayChooseAnES256SigningKey() async throws {
        let demo = try OfflineDemo()
        let folder = demo.root.appendingPathComponent("keys-\(UUID().uuidString)")
        let generated = try await demo.ura(nil, ["keys", "generate", "--out", folder.path, "--signing", "ES256"])
        #expect(generated.status == 0 && generated.stdout.contains("signing.key (P-256, ES256"), "\(generated)")
        let key = try SigningKey(contentsOfFile: folder.appendingPathComponent("signing.key").path)
        #expect(key.algorithm == .es256)
        let keys = try JSONValue(parsing: Array(try Data(contentsOf: folder.appendingPathComponent("keys.json"))))
        #expect(try VerificationKey(jwk: try #require(keys["signing"])).algorithm == .es256)
        let wrong = try await demo.ura(nil, ["keys", "generate", "--out", folder.path + "-2", "--signing", "RS256"])
        #expect(wrong.status == 64 && wrong.stderr.contains("give EdDSA (Ed25519, the default) or ES256"), "\(wrong)")
        #expect(!FileManager.default.fileExists(atPath: folder.path + "-2"))
    }
}
