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
@testable import UraStoreSQLite
import UraTestTraits

/// `ura audit` against a real urad: the first audit keeps the signed head, later ones check the
/// consistency proof to the new head, and a history that changed or shrank is reported with exit 2
/// while the kept head stays. The gateway's rewriting is played by a forged head that the
/// gateway's own key signed (what a dishonest operator could make).
@Suite(.offThePool, .serialized) struct LedgerAuditTests {
    private static let mission = "al.mepj.mission.gr-athens"

    private static func submit(_ s: Scenario, _ n: Int) throws {
        for i in 0..<n {
            let reference = String(format: "AL-2026-%06d", 700 + i)
            let form = try s.example("return.found-abroad", caseReference: reference)
            let message = try s.seal(as: mission, type: "return.found-abroad", to: ["al.mpb.secretariat"], caseReference: reference,
                                     subject: .child, form: form)
            #expect(try s.curl(mission, "POST", "/v1/messages", body: message).status == 202)
        }
    }

    private static func audit(_ s: Scenario, as agency: String = "al.police.dvp-tirane") async throws -> (Processes.Result, JSONValue?) {
        let result = try await s.uraOffPool(agency, ["audit", "--json"])
        return (result, try? JSONValue(parsing: Array(result.stdout.utf8)))
    }

    @Test(.timeLimit(.minutes(3))) func anAuditKeepsTheHeadAndCatchesARewrittenLedger() async throws {
        let s = try await Scenario.start()
        let police = "al.police.dvp-tirane"
        let state = try AgencyProfile.load(s.agencyFolder(police).appendingPathComponent("profile.json")).state
        let headFile = state.appendingPathComponent("ledger/head.json")

        // An empty ledger: nothing to audit, nothing kept.
        let (empty, emptyJSON) = try await Self.audit(s)
        #expect(empty.status == 0 && emptyJSON?["result"] == "empty", "\(empty)")
        #expect(!FileManager.default.fileExists(atPath: headFile.path))

        try Self.submit(s, 3)
        let (first, firstJSON) = try await Self.audit(s)
        #expect(first.status == 0 && firstJSON?["result"] == "first", "\(first)")
        let firstSize = try #require(firstJSON?["tree_size"]?.intValue)
        let ledgerSize = try s.ledgerSize()
        #expect(firstSize == ledgerSize)
        let mode = try FileManager.default.attributesOfItem(atPath: headFile.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let (same, sameJSON) = try await Self.audit(s)
        #expect(same.status == 0 && sameJSON?["result"] == "unchanged", "\(same)")

        try Self.submit(s, 4)
        let (grew, grewJSON) = try await Self.audit(s)
        #expect(grew.status == 0 && grewJSON?["result"] == "grew" && grewJSON?["previous_size"]?.intValue == firstSize, "\(grew)")
        let size = try #require(grewJSON?["tree_size"]?.intValue)
        let grownSize = try s.ledgerSize()
        #expect(size > firstSize && size == grownSize)
        // The plain sentence says the same.
        let sentence = try await s.uraOffPool(police, ["audit"])
        #expect(sentence.status == 0 && sentence.stdout.contains("same \(size) entries"), "\(sentence)")

        // What the operator could show: a head of the same size over other entries, signed with the
        // gateway's key; and one of more entries than the ledger has. Each fails and stays kept.
        let gatewayKey = try SigningKey(contentsOfFile: s.data.appendingPathComponent("gateway/signing.key").path)
        let signer = GatewaySigner(id: try AgencyID("al.ura.gateway"), key: gatewayKey)
        let tree = MerkleTree(hash: { SHA256.hash($0) })
        for (forgedSize, what) in [(firstSize, "does not extend it"), (size + 5, "its signed head now has \(size) entries")] {
            let otherRoot = tree.root((0..<forgedSize).map { SHA256.hash([0x00, UInt8($0)]) }[...])
            let forged: JSONValue = [
                "tree_size": .number(Double(forgedSize)), "root": .string(Base64URL.encode(otherRoot)),
                "signed_head": try JSONValue(parsing: signer.signTreeHead(size: forgedSize, root: otherRoot)), "audited_at": "2026-11-01T09:00:00Z",
            ]
            let bytes = forged.serialized()
            try Data(bytes).write(to: headFile)
            let (caught, _) = try await Self.audit(s)
            #expect(caught.status == 2, "\(caught)")
            #expect(caught.stderr.contains("THE LEDGER WAS REWRITTEN") && caught.stderr.contains(what) && caught.stderr.contains(headFile.path),
                    "\(caught.stderr)")
            let after = Array(try Data(contentsOf: headFile))
            #expect(after == bytes)
        }

        // A kept head nobody signed (edited by hand) is not taken for a fresh start.
        try Data(#"{"tree_size":1,"root":"AAAA","signed_head":{},"audited_at":"x"}"#.utf8).write(to: headFile)
        let (edited, _) = try await Self.audit(s)
        #expect(edited.status == 2 && edited.stderr.contains("is not a head the gateway signed"), "\(edited)")
        await s.close()
    }

    /// The raw API: a consistency proof to the current head for any agency, and a bad `from`
    /// refused with its problem.
    @Test(.timeLimit(.minutes(3))) func theProofEndpointAnswersConsistencyAndRefusesBadSizes() async throws {
        let s = try await Scenario.start()
        try Self.submit(s, 2)
        let size = try s.ledgerSize()
        let reply = try s.curl("al.shelter.qkpvt", "GET", "/v1/ledger/proof?from=1")
        #expect(reply.status == 200)
        let proof = try ConsistencyProof(json: try #require(reply.body))
        #expect(proof.from == 1 && proof.treeSize == size && !proof.path.isEmpty)
        for (query, status) in [("from=\(size + 1)", 400), ("from=-1", 400), ("from=two", 400), ("from=1&message=x", 400)] {
            let refused = try s.curl("al.shelter.qkpvt", "GET", "/v1/ledger/proof?\(query)")
            #expect(refused.status == status && refused.body?["type"]?.stringValue?.hasSuffix("invalid-request") == true, "\(query): \(refused)")
        }
        await s.close()
    }

    /// `ura audit --entries`: each agency recomputes the leaves it may see (its own messages; the
    /// secretariat all) against the signed head, and an entry whose text was changed — its stored
    /// hash recomputed, so the gateway's hash check passes — fails the audit with exit 2.
    @Test(.timeLimit(.minutes(3))) func anEntriesAuditRecomputesTheLeavesAndCatchesAChangedOne() async throws {
        let s = try await Scenario.start()
        try Self.submit(s, 3)
        let size = try s.ledgerSize()
        func audit(_ agency: String, _ extra: [String] = []) async throws -> (Processes.Result, JSONValue?) {
            let result = try await s.uraOffPool(agency, ["audit", "--entries", "--from", "0", "--count", "1000", "--json"] + extra)
            return (result, try? JSONValue(parsing: Array(result.stdout.utf8)))
        }
        let (all, allJSON) = try await audit("al.mpb.secretariat")
        #expect(all.status == 0 && allJSON?["checked"]?.intValue == size && allJSON?["tree_size"]?.intValue == size, "\(all)")
        let (own, ownJSON) = try await audit(Self.mission)
        #expect(own.status == 0 && (ownJSON?["checked"]?.intValue ?? 0) >= 3, "\(own)")
        let (none, noneJSON) = try await audit("al.police.dvp-tirane")
        #expect(none.status == 0 && noneJSON?["checked"]?.intValue == 0, "\(none)")
        let refused = try await s.uraOffPool("al.mpb.secretariat", ["audit", "--entries", "--from", "\(size)"])
        #expect(refused.status != 0 && refused.stderr.contains("from must be a whole number from 0 to \(size - 1)"), "\(refused)")

        // The operator changes entry 0's text and recomputes its stored hash: urad's chain check
        // would need its periodic run to notice; the auditor's recomputation fails at once.
        let db = try SQLiteConnection(path: s.data.appendingPathComponent("ura.sqlite").path)
        let leaf = try #require(try db.scalar("SELECT leaf FROM ledger WHERE idx = 0")?.bytes)
        let changed = Array(String(decoding: leaf, as: UTF8.self).replacingOccurrences(of: "AL-2026-000700", with: "AL-2026-000999").utf8)
        #expect(changed != leaf)
        try db.run("UPDATE ledger SET leaf = ?, hash = ? WHERE idx = 0", [.blob(changed), .blob(SHA256.hash([0x00] + changed))])
        db.close()
        let (caught, _) = try await audit(Self.mission)
        #expect(caught.status == 2 && caught.stderr.contains("LEDGER ENTRY 0 WAS CHANGED"), "\(caught)")
        await s.close()
    }
}
