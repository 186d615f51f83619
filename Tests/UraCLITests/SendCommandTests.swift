import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
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

/// `ura send` with the gateway out of reach: exit 69 means the message is in the outbox — whole,
/// synced and 0600 — and when nothing could be sealed (no cached directory, a recipient without a
/// current key) `ura` says so with exit 75 instead.
@Suite(.offThePool) struct SendCommandTests {
    let mission = "al.mepj.mission.gr-athens", secretariat = "al.mpb.secretariat"

    func send(_ demo: OfflineDemo) async throws -> Processes.Result {
        let form = try demo.file("found.json", try demo.example("return.found-abroad", caseReference: "AL-2026-000061").serialized())
        return try await demo.ura(mission, ["send", form, "--type", "return.found-abroad", "--to", secretariat,
                                      "--case", "AL-2026-000061", "--subject", "child"])
    }

    func cache(_ directory: Directory, in demo: OfflineDemo) throws {
        let folder = demo.agencyFolder(mission).appendingPathComponent("state/cache")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(try demo.signed(directory)).write(to: folder.appendingPathComponent("directory.jws"))
    }

    @Test func anUnreachableGatewayWithoutACachedDirectoryKeepsNothingAndSaysSo() async throws {
        let demo = try OfflineDemo()
        let sent = try await send(demo)
        #expect(sent.status == 75, "\(sent)")
        #expect(sent.stderr.contains("nothing was kept"), "\(sent.stderr)")
        #expect(demo.kept(mission).isEmpty)
    }

    @Test func anUnreachableGatewayWithACachedDirectoryKeepsTheMessageWithExit69() async throws {
        let demo = try OfflineDemo()
        try cache(try demo.directory(), in: demo)
        let sent = try await send(demo)
        #expect(sent.status == 69, "\(sent)")
        #expect(sent.stderr.contains("is kept in the outbox"), "\(sent.stderr)")
        #expect(demo.kept(mission).count == 1)
    }

    @Test func aMessageKeptInTheOutboxIsWholeAndReadableByItsOwnerOnly() async throws {
        let demo = try OfflineDemo()
        try cache(try demo.directory(), in: demo)
        let sent = try await send(demo)
        #expect(sent.status == 69, "\(sent)")
        let outbox = demo.agencyFolder(mission).appendingPathComponent("state/outbox")
        let files = try FileManager.default.contentsOfDirectory(atPath: outbox.path)
        #expect(files.count == 1 && files[0].hasSuffix(".jws"), "a temporary file was left behind: \(files)")
        let file = outbox.appendingPathComponent(files[0])
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int)
        #expect(mode == 0o600, "mode \(String(mode, radix: 8))")
        let (_, envelope) = try MessageCheck.verify(Array(try Data(contentsOf: file)), directory: try demo.directory())
        #expect(envelope.id.rawValue + ".jws" == files[0] && envelope.caseReference.rawValue == "AL-2026-000061")
    }

    @Test func aRecipientWithoutACurrentEncryptionKeyKeepsNothingAndSaysSo() async throws {
        let demo = try OfflineDemo()
        var directory = try demo.directory()
        var recipient = try #require(directory[AgencyID(secretariat)])
        recipient.keys = recipient.keys.map { key in
            var key = key
            if key.use == .enc { key.notAfter = Date(timeIntervalSinceNow: -86_400) }
            return key
        }
        directory.upsert(recipient)
        try cache(directory, in: demo)
        let sent = try await send(demo)
        #expect(sent.status == 75, "\(sent)")
        #expect(sent.stderr.contains("\(secretariat) has no current encryption key"), "\(sent.stderr)")
        #expect(demo.kept(mission).isEmpty)
    }

    /// A TLS file that cannot be used is not an unreachable gateway: no retry can fix it, so it is
    /// exit 78 naming the file, and nothing is sealed into the outbox.
    @Test func aTLSKeyThatCannotBeUsedIsExit78NamingTheFileAndKeepsNothing() async throws {
        let demo = try OfflineDemo()
        try cache(try demo.directory(), in: demo)
        let key = demo.agencyFolder(mission).appendingPathComponent("tls.key")
        try Data("-----BEGIN PRIVATE KEY-----\nbroken\n-----END PRIVATE KEY-----\n".utf8).write(to: key)
        let sent = try await send(demo)
        #expect(sent.status == 78, "\(sent)")
        #expect(sent.stderr.contains(key.path) && !sent.stderr.contains("cannot be reached"), "\(sent.stderr)")
        #expect(demo.kept(mission).isEmpty)
    }

    @Test func aTLSKeyOfAnotherCertificateIsExit78NamingTheFile() async throws {
        let demo = try OfflineDemo()
        try cache(try demo.directory(), in: demo)
        let key = demo.agencyFolder(mission).appendingPathComponent("tls.key")
        try FileManager.default.removeItem(at: key)
        try FileManager.default.copyItem(at: demo.agencyFolder(secretariat).appendingPathComponent("tls.key"), to: key)
        let sent = try await send(demo)
        #expect(sent.status == 78 && sent.stderr.contains("does not belong to the client certificate"), "\(sent)")
        #expect(demo.kept(mission).isEmpty)
    }

    @Test func aCAFileThatIsMissingIsExit78NamingIt() async throws {
        let demo = try OfflineDemo()
        try cache(try demo.directory(), in: demo)
        let profile = demo.agencyFolder(mission).appendingPathComponent("profile.json")
        var json = try JSONValue(parsing: Array(try Data(contentsOf: profile)))
        if case .object(var object) = json { object["ca"] = .string("missing-ca.crt"); json = .object(object) }
        try Data(json.serialized()).write(to: profile)
        let sent = try await send(demo)
        #expect(sent.status == 78 && sent.stderr.contains("missing-ca.crt"), "\(sent)")
        #expect(demo.kept(mission).isEmpty)
    }
}
