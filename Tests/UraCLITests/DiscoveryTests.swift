import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
import UraJSON
import UraModel
import UraSchema
import UraTestTraits

/// What to type, without reading Schemas/: the agencies, the types with their forms and routes,
/// a form per type that validates, and an unknown type answered with the known ones.
@Suite(.offThePool) struct DiscoveryTests {
    let mission = "al.mepj.mission.gr-athens"

    @Test func typesListFormTitlesRoutesAndDeadlines() async throws {
        let demo = try OfflineDemo()
        let text = try await demo.ura(nil, ["types"])
        #expect(text.status == 0)
        #expect(text.stdout.contains("identification.confidentiality-declaration (form A1)  Confidentiality declaration / Deklaratë e konfidencialitetit"))
        #expect(text.stdout.contains("deadlines: "))
        let json = try await demo.ura(nil, ["types", "--from", "mission", "--json"])
        let lines = try json.stdout.split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
        let found = try #require(lines.first { $0["type"] == "return.found-abroad" })
        #expect(found["from"]?.arrayValue?.contains("mission") == true && found["to"]?.arrayValue?.contains("secretariat") == true)
        #expect(lines.allSatisfy { $0["from"]?.arrayValue?.contains("mission") == true })
    }

    @Test func everyTypesExampleValidates() async throws {
        let demo = try OfflineDemo()
        let catalogue = try MessageCatalogue(directory: demo.schemas)
        for entry in catalogue.catalogue.entries {
            #expect(throws: Never.self, "\(entry.type)") { _ = try Discovery.example(entry.type.rawValue, catalogue: catalogue, schemas: demo.schemas) }
        }
        let printed = try await demo.ura(nil, ["example", "return.found-abroad"])
        #expect(printed.status == 0)
        #expect(catalogue.bodyValidator(for: MessageType(unchecked: "return.found-abroad"))?.validate(try JSONValue(parsing: Array(printed.stdout.utf8))).isEmpty == true)
    }

    @Test func anUnknownTypeListsTheKnownOnes() async throws {
        let demo = try OfflineDemo()
        let form = try demo.file("found.json", try demo.example("return.found-abroad", caseReference: "AL-2026-000061").serialized())
        let sent = try await demo.ura(mission, ["send", form, "--type", "return.found", "--to", "al.mpb.secretariat", "--case", "AL-2026-000061", "--subject", "adult"])
        #expect(sent.status == 64 && sent.stderr.contains("return.found-abroad") && sent.stderr.contains("ura types")
                && !sent.stderr.contains("Schemas/catalogue.json"), "\(sent)")
        #expect(demo.kept(mission).isEmpty)
        let example = try await demo.ura(nil, ["example", "nope"])
        #expect(example.status == 64 && example.stderr.contains("return.found-abroad"))
    }

    @Test func directoryListsAgenciesWithNameKindDeliveryAndKeys() async throws {
        let demo = try OfflineDemo()
        let folder = demo.agencyFolder(mission).appendingPathComponent("state/cache")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        // The secretariat's accepted receipts are signed per batch: the listing says so.
        var directory = try demo.directory()
        var chosen = try #require(directory[AgencyID("al.mpb.secretariat")])
        chosen.receipts = .perBatch
        directory.upsert(chosen)
        try Data(try demo.signed(directory)).write(to: folder.appendingPathComponent("directory.jws"))
        let secretariat = try #require(try demo.directory()[AgencyID("al.mpb.secretariat")])
        let text = try await demo.ura(mission, ["directory"])
        #expect(text.status == 0 && text.stderr.contains("cached directory"), "\(text)")
        let line = try #require(text.stdout.split(separator: "\n").first { $0.hasPrefix("al.mpb.secretariat ") })
        #expect(line.contains(secretariat.name) && line.contains("[secretariat") && line.contains(secretariat.keys[0].kid), "\(line)")
        #expect(line.contains("receipts per batch"), "\(line)")
        #expect(!text.stdout.split(separator: "\n").contains { $0.hasPrefix("\(mission) ") && $0.contains("receipts per batch") })
        let json = try await demo.ura(mission, ["directory", "--kind", "mission", "--json"])
        let lines = try json.stdout.split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
        #expect(!lines.isEmpty && lines.allSatisfy { $0["kind"] == "mission" && $0["delivery"]?.stringValue != nil && $0["keys"]?[0]?["kid"] != nil
            && $0["receipts"] == "per_message" })
        let all = try await demo.ura(mission, ["directory", "--json"])
        let listed = try all.stdout.split(separator: "\n").map { try JSONValue(parsing: Array($0.utf8)) }
        #expect(listed.first { $0["id"] == "al.mpb.secretariat" }?["receipts"] == "per_batch")
    }
}
