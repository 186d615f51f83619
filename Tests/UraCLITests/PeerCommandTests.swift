import Foundation
import Testing
import UraGatewayTestSupport
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning
import UraTestTraits

/// `ura admin peer card|add|list|remove` on two offline demo data directories: the card of one is
/// added to the other (a participant of kind gateway, its CA), listed and removed; bad cards and
/// unknown peers are refused with a sentence and change nothing.
@Suite(.offThePool) struct PeerCommandTests {
    @Test func aPeerIsAddedFromItsCardListedAndRemoved() async throws {
        let albania = try OfflineDemo()
        let kosovo = try OfflineDemo()
        // The second demo plays Kosovo: its gateway id in its directory file.
        let file = kosovo.data.appendingPathComponent("directory.json")
        var directory = try DirectoryFile.read(file)
        directory.gateway.id = try AgencyID("xk.ura.gateway")
        try DirectoryFile.write(directory, to: file)

        let card = kosovo.root.appendingPathComponent("xk.card.json").path
        let made = try await kosovo.ura(nil, ["admin", "peer", "card", "--data-dir", kosovo.data.path, "--url", "https://127.0.0.1:9443", "--out", card, "--json"])
        #expect(made.status == 0, "\(made)")
        #expect(try JSONValue(parsing: made.stdout)["peer"] == "xk.ura.gateway")

        let before = try DirectoryFile.read(albania.data.appendingPathComponent("directory.json")).version
        let added = try await albania.ura(nil, ["admin", "peer", "add", "--data-dir", albania.data.path, "--card", card, "--json"])
        #expect(added.status == 0, "\(added)")
        let after = try DirectoryFile.read(albania.data.appendingPathComponent("directory.json"))
        #expect(after.version == before + 1)
        let peer = try #require(after[try AgencyID("xk.ura.gateway")])
        #expect(peer.kind == .gateway && peer.delivery == .push(url: "https://127.0.0.1:9443") && peer.certificates.count == 1)
        #expect(FileManager.default.fileExists(atPath: albania.data.appendingPathComponent("peers/xk.ura.gateway/ca.pem").path))

        let listed = try await albania.ura(nil, ["admin", "peer", "list", "--data-dir", albania.data.path, "--json"])
        #expect(try JSONValue(parsing: listed.stdout)[0]?["peer"] == "xk.ura.gateway", "\(listed)")

        // Its own card, a file that is no card, an unknown peer: refused, nothing written.
        let own = albania.root.appendingPathComponent("al.card.json").path
        #expect(try await albania.ura(nil, ["admin", "peer", "card", "--data-dir", albania.data.path, "--url", "https://127.0.0.1:8443", "--out", own]).status == 0)
        let itself = try await albania.ura(nil, ["admin", "peer", "add", "--data-dir", albania.data.path, "--card", own])
        #expect(itself.status != 0 && itself.stderr.contains("is this gateway itself"), "\(itself)")
        let notACard = try await albania.ura(nil, ["admin", "peer", "add", "--data-dir", albania.data.path,
                                                   "--card", albania.data.appendingPathComponent("directory.json").path])
        #expect(notACard.status != 0 && notACard.stderr.contains("is not a peer card"), "\(notACard)")
        let unknown = try await albania.ura(nil, ["admin", "peer", "remove", "--data-dir", albania.data.path, "--peer", "mk.ura.gateway"])
        #expect(unknown.status != 0 && unknown.stderr.contains("is not a peer gateway"), "\(unknown)")
        #expect(try DirectoryFile.read(albania.data.appendingPathComponent("directory.json")).version == after.version)

        let removed = try await albania.ura(nil, ["admin", "peer", "remove", "--data-dir", albania.data.path, "--peer", "xk.ura.gateway"])
        #expect(removed.status == 0, "\(removed)")
        #expect(try DirectoryFile.read(albania.data.appendingPathComponent("directory.json"))[try AgencyID("xk.ura.gateway")] == nil)
        #expect(!FileManager.default.fileExists(atPath: albania.data.appendingPathComponent("peers/xk.ura.gateway").path))
        #expect(try await albania.ura(nil, ["admin", "peer", "list", "--data-dir", albania.data.path]).stdout.contains("no peer gateways"))
    }
}
