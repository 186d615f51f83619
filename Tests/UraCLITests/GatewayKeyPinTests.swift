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
import UraStoreSQLite
import UraTestTraits

/// The profile's `gateway_key` pins the gateway's signing keys: without it `ura` refuses to act
/// (a directory would vouch for itself), and a directory signed by any other key — or by another
/// key listed under a pinned kid — does not check out. A list pins the next key before the gateway
/// rotates to it. What else the gateway signs (receipts, tree heads) must be signed by a gateway
/// key the checked directory lists, valid when it was made: a retired key need not stay pinned.
@Suite(.offThePool) struct GatewayKeyPinTests {
    let mission = "al.mepj.mission.gr-athens"

    var profileFile: (OfflineDemo) -> URL { { $0.agencyFolder(mission).appendingPathComponent("profile.json") } }

    /// Rewrites the mission's profile with `gateway_key` set to `value` (removed when nil).
    func pin(_ value: JSONValue?, in demo: OfflineDemo) throws {
        guard case .object(var profile) = try JSONValue(parsing: Array(try Data(contentsOf: profileFile(demo)))) else { return }
        profile["gateway_key"] = value
        try Data(JSONValue.object(profile).serialized()).write(to: profileFile(demo))
    }

    /// `directory` with `keys` as the gateway's, signed by `signer` naming `kid` (its own by default).
    func signed(_ directory: Directory, gatewayKeys keys: [SigningKey], listedAs kids: [String]? = nil, by signer: SigningKey,
                kid: String? = nil) throws -> [UInt8] {
        var directory = directory
        directory.gateway.keys = zip(kids ?? keys.map(\.keyID), keys).map { DirectoryKey(kid: $0, use: .sig, jwk: $1.publicKey.jwk) }
        return try JWS.sign(payload: try JSONValueDecoder.reencode(directory), header: ["typ": "ura-directory+json", "kid": .string(kid ?? signer.keyID)],
                            with: signer).serialized()
    }

    func cache(_ bytes: [UInt8], in demo: OfflineDemo) throws -> String {
        let folder = demo.agencyFolder(mission).appendingPathComponent("state/cache")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(bytes).write(to: folder.appendingPathComponent("directory.jws"))
        return folder.appendingPathComponent("directory.jws").path
    }

    func send(_ demo: OfflineDemo) async throws -> Processes.Result {
        let form = try demo.file("found.json", try demo.example("return.found-abroad", caseReference: "AL-2026-000066").serialized())
        return try await demo.ura(mission, ["send", form, "--type", "return.found-abroad", "--to", "al.mpb.secretariat",
                                            "--case", "AL-2026-000066", "--subject", "child"])
    }

    func failedReceipt(signedBy key: SigningKey, in demo: OfflineDemo) throws -> String {
        let receipt = Receipt(kind: .failed, message: .random(), digest: Base64URL.encode(SHA256.hash(Array("a message".utf8))),
                              recipient: try AgencyID("al.mpb.secretariat"), at: Date(), by: try AgencyID("al.ura.gateway"), reason: "expired")
        return try demo.file("failed-\(UUID().uuidString).jws",
                             try JWS.sign(payload: receipt.json.serialized(), header: ["typ": "ura-receipt+json"], with: key).serialized())
    }

    @Test func aProfileWithoutAGatewayKeyIsAConfigurationErrorThatSaysWhereToGetIt() async throws {
        let demo = try OfflineDemo()
        try pin(nil, in: demo)
        for command in [["receipts"], ["outbox", "--list"], ["verify", try failedReceipt(signedBy: try demo.gatewayKey(), in: demo)]] {
            let result = try await demo.ura(mission, command)
            #expect(result.status == 78, "\(command): \(result)")
            #expect(result.stderr.hasPrefix("ura: the profile \(profileFile(demo).path) has no gateway_key") && result.stderr.contains("ura admin enrol"),
                    "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        }
        try pin(.number(5), in: demo)
        let invalid = try await demo.ura(mission, ["receipts"])
        #expect(invalid.status == 78 && invalid.stderr.contains("has an invalid gateway_key"), "\(invalid)")
    }

    @Test func aDirectorySignedByAnUnpinnedGatewayKeyIsRefused() async throws {
        let demo = try OfflineDemo()
        let stranger = try SigningKey.generate(.eddsa)
        let cached = try cache(try signed(try demo.directory(), gatewayKeys: [stranger], by: stranger), in: demo)
        let sent = try await send(demo)
        #expect(sent.status == 76 && sent.stderr.contains("which the profile does not pin"), "\(sent)")
        #expect(demo.kept(mission).isEmpty)
        let verified = try await demo.ura(mission, ["verify", cached, "--directory", demo.directoryFile])
        #expect(verified.status == 2 && verified.stderr.contains("which the profile does not pin"), "\(verified)")
        let against = try await demo.ura(mission, ["verify", try failedReceipt(signedBy: try demo.gatewayKey(), in: demo)])
        #expect(against.status == 2 && against.stderr.contains("which the profile does not pin"), "\(against)")
    }

    @Test func aDirectoryListingAnotherKeyUnderThePinnedKidIsRefused() async throws {
        let demo = try OfflineDemo()
        let pinned = try demo.gatewayKey().keyID, stranger = try SigningKey.generate(.eddsa)
        _ = try cache(try signed(try demo.directory(), gatewayKeys: [stranger], listedAs: [pinned], by: stranger, kid: pinned), in: demo)
        let sent = try await send(demo)
        #expect(sent.status == 76 && sent.stderr.contains("does not list that key"), "\(sent)")
        #expect(demo.kept(mission).isEmpty)
    }

    @Test func aListOfGatewayKeysPinsTheNextKeyBeforeTheGatewayRotates() async throws {
        let demo = try OfflineDemo()
        let current = try demo.gatewayKey(), next = try SigningKey.generate(.eddsa), other = try SigningKey.generate(.eddsa)
        try pin(.array([.string(current.keyID), .string(next.keyID)]), in: demo)
        // The gateway has rotated: the directory lists the current, the next and another key, and is signed with the next one.
        _ = try cache(try signed(try demo.directory(), gatewayKeys: [current, next, other], by: next), in: demo)
        let sent = try await send(demo)
        #expect(sent.status == 69 && sent.stderr.contains("is kept in the outbox"), "\(sent)")
        for key in [current, next, other] {
            let receipt = try await demo.ura(mission, ["verify", try failedReceipt(signedBy: key, in: demo)])
            #expect(receipt.status == 0, "\(receipt)")
        }
        // Not listed in the directory: its receipts do not count, whoever signed them.
        let unlisted = try await demo.ura(mission, ["verify", try failedReceipt(signedBy: try SigningKey.generate(.eddsa), in: demo)])
        #expect(unlisted.status == 2 && unlisted.stderr.contains("the directory does not list that key"), "\(unlisted)")
    }

    /// After a rotation the profile pins only the new key. Receipts the old key signed while it was
    /// current still check, as the directory keeps it with its `not_after`; one it signs dated after
    /// that does not, and it can no longer sign a directory.
    @Test func aRetiredGatewayKeyNeedNotStayPinnedForItsOldReceipts() async throws {
        let demo = try OfflineDemo()
        let old = try demo.gatewayKey(), new = try SigningKey.generate(.eddsa)
        let retired = Date().addingTimeInterval(-3600)
        try pin(.string(new.keyID), in: demo)
        var directory = try demo.directory()
        directory.gateway.keys = [DirectoryKey(kid: old.keyID, use: .sig, jwk: old.publicKey.jwk, notAfter: retired),
                                  DirectoryKey(kid: new.keyID, use: .sig, jwk: new.publicKey.jwk)]
        _ = try cache(try JWS.sign(payload: try JSONValueDecoder.reencode(directory), header: ["typ": "ura-directory+json", "kid": .string(new.keyID)],
                                   with: new).serialized(), in: demo)
        func failed(at: Date, by key: SigningKey) throws -> String {
            let receipt = Receipt(kind: .failed, message: .random(), digest: Base64URL.encode(SHA256.hash(Array("a message".utf8))),
                                  recipient: try AgencyID("al.mpb.secretariat"), at: at, by: try AgencyID("al.ura.gateway"), reason: "expired")
            return try demo.file("failed-\(UUID().uuidString).jws",
                                 try JWS.sign(payload: receipt.json.serialized(), header: ["typ": "ura-receipt+json"], with: key).serialized())
        }
        let before = try await demo.ura(mission, ["verify", try failed(at: retired.addingTimeInterval(-60), by: old)])
        #expect(before.status == 0, "\(before)")
        let after = try await demo.ura(mission, ["verify", try failed(at: Date(), by: old)])
        #expect(after.status == 2 && after.stderr.contains("expired at"), "\(after)")
        let current = try await demo.ura(mission, ["verify", try failed(at: Date(), by: new)])
        #expect(current.status == 0, "\(current)")
        // A directory the old key signs is refused: it is no longer pinned.
        directory.version += 1
        let forged = try demo.file("forged.jws", try JWS.sign(payload: try JSONValueDecoder.reencode(directory),
                                                              header: ["typ": "ura-directory+json", "kid": .string(old.keyID)], with: old).serialized())
        let refused = try await demo.ura(mission, ["verify", forged])
        #expect(refused.status == 2 && refused.stderr.contains("which the profile does not pin"), "\(refused)")
    }

    @Test func anAcceptedReceiptMustBeSignedByAGatewayKeyTheDirectoryLists() throws {
        let demo = try OfflineDemo()
        let next = try SigningKey.generate(.eddsa)
        var directory = try demo.directory()
        let message = try JWS.sign(payload: Array("{}".utf8), with: try demo.signingKey(mission)).serialized()
        let receipt = Receipt(kind: .accepted, message: .random(), digest: Base64URL.encode(SHA256.hash(try JWS.parse(message).signingInput())),
                              at: Date(), by: directory.gateway.id)
        let signed = try JWS.sign(payload: receipt.json.serialized(), header: ["typ": "ura-receipt+json"], with: next).serialized()
        #expect { try ReceiptCheck.accepted(signed, message: message, directory: directory) } throws: {
            ($0 as? ClientError)?.message.contains("does not list that key") == true
        }
        directory.gateway.keys.append(DirectoryKey(kid: next.keyID, use: .sig, jwk: next.publicKey.jwk, notAfter: Date().addingTimeInterval(-60)))
        #expect { try ReceiptCheck.accepted(signed, message: message, directory: directory) } throws: {
            ($0 as? ClientError)?.message.contains("which was not valid at") == true
        }
        directory.gateway.keys[directory.gateway.keys.count - 1] = DirectoryKey(kid: next.keyID, use: .sig, jwk: next.publicKey.jwk)
        #expect(try ReceiptCheck.accepted(signed, message: message, directory: directory).kind == .accepted)
    }

    @Test func enrolmentPrintsTheGatewayKeyForTheProfile() async throws {
        let demo = try OfflineDemo()
        let keys = demo.root.appendingPathComponent("keys")
        #expect(try await demo.ura(nil, ["keys", "generate", "--out", keys.path, "--agency", "al.police.dvp-shkoder"]).status == 0)
        let csr = keys.appendingPathComponent("tls.csr").path
        #expect(try await demo.ura(nil, ["cert", "request", "--agency", "al.police.dvp-shkoder", "--key", keys.appendingPathComponent("tls.key").path,
                                         "--out", csr]).status == 0)
        let enrolled = try await demo.ura(nil, ["admin", "enrol", "--data-dir", demo.data.path, "--csr", csr, "--kind", "police", "--name", "DVP Shkodër",
                                                "--keys", keys.appendingPathComponent("keys.json").path])
        #expect(enrolled.status == 0, "\(enrolled)")
        #expect(enrolled.stdout.contains(#""gateway_key": "\#(try demo.gatewayKey().keyID)""#), "\(enrolled.stdout)")
    }

    /// A gateway (or whoever answers in its name) serving an older signed directory than the one
    /// this computer has seen: refused, nothing sealed or kept, the newer copy stays cached.
    @Test func anOlderDirectoryThanTheCachedOneIsRefused() async throws {
        let scenario = try await Scenario.start()
        defer { Task { await scenario.close() } }
        var newer = try scenario.directory()
        newer.version += 5
        let gatewayKey = try SigningKey(contentsOfFile: scenario.data.appendingPathComponent("gateway/signing.key").path)
        let newerBytes = try JWS.sign(payload: try JSONValueDecoder.reencode(newer), header: ["typ": "ura-directory+json"], with: gatewayKey).serialized()
        let folder = scenario.agencyFolder(mission).appendingPathComponent("state/cache")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(newerBytes).write(to: folder.appendingPathComponent("directory.jws"))
        let form = scenario.root.appendingPathComponent("found.json")
        try Data(try scenario.example("return.found-abroad", caseReference: "AL-2026-000067").serialized()).write(to: form)
        let sent = try await scenario.uraOffPool(mission, ["send", form.path, "--type", "return.found-abroad", "--to", "al.mpb.secretariat",
                                                           "--case", "AL-2026-000067", "--subject", "child"])
        #expect(sent.status == 76 && sent.stderr.contains("older than version \(newer.version)"), "\(sent)")
        let outbox = (try? FileManager.default.contentsOfDirectory(atPath: scenario.agencyFolder(mission).appendingPathComponent("state/outbox").path)) ?? []
        #expect(outbox.filter { $0.hasSuffix(".jws") }.isEmpty)
        #expect(try Data(contentsOf: folder.appendingPathComponent("directory.jws")) == Data(newerBytes))
    }
}
