import Foundation
import Testing
import UraJSON
@testable import UraSchema
import UraTestTraits

/// `Schemas/ledger-receipt.schema.json` takes the ledger receipt of docs/wire-format.md's example
/// (which `WireFormatExampleTests` rebuilds and verifies) and refuses each malformed variant at
/// the member that is wrong.
@Suite(.offThePool) struct LedgerReceiptSchemaTests {
    static let id = "https://ura.example/schemas/v1/ledger-receipt.schema.json"

    var validator: Validator { get throws { try CatalogueTests.loaded.get().registry.compile(Self.id) } }

    /// The page's `ledger-receipt` example, as an object.
    var example: JSONObject {
        get throws {
            let url = CatalogueTests.schemas.appendingPathComponent("../docs/wire-format.md").standardized
            let page = try String(contentsOf: url, encoding: .utf8)
            let start = try #require(page.range(of: "<!-- example: ledger-receipt -->\n```json\n"), "the page has no ledger receipt").upperBound
            let end = try #require(page[start...].range(of: "\n```"))
            return try #require(try JSONValue(parsing: Array(page[start..<end.lowerBound].utf8)).objectValue)
        }
    }

    @Test func thePagesLedgerReceiptIsValid() throws {
        let errors = try validator.validate(.object(try example))
        #expect(errors.isEmpty, "\(errors.prefix(3))")
    }

    @Test func malformedLedgerReceiptsAreRefusedWhereTheyAreWrong() throws {
        let v = try validator
        let good = try example
        let path = try #require(good["path"]?.arrayValue)
        let cases: [(String, (inout JSONObject) -> Void, String)] = [
            ("no signed head", { $0["signed_head"] = nil }, ""),
            ("a signed receipt's typ", { $0["typ"] = "ura-receipt+json" }, "/typ"),
            ("a delivered receipt", { $0["receipt"] = "delivered" }, "/receipt"),
            ("a negative index", { $0["index"] = -1 }, "/index"),
            ("a fractional tree size", { $0["tree_size"] = 4.5 }, "/tree_size"),
            ("a path entry that is no SHA-256 hash", { $0["path"] = .array([.string("c2hvcnQ")] + path.dropFirst()) }, "/path/0"),
            ("the path as one string", { $0["path"] = path[0] }, "/path"),
            ("a leaf in standard base64", { $0["leaf"] = "eyJ+/w==" }, "/leaf"),
            ("a compact JWS as head", { $0["signed_head"] = "eyJhbGciOiJFZERTQSJ9.e30.c2ln" }, "/signed_head"),
            ("a recipient", { $0["recipient"] = "al.mpb.secretariat" }, ""),
        ]
        for (name, change, at) in cases {
            var broken = good
            change(&broken)
            let errors = v.validate(.object(broken))
            #expect(errors.contains { $0.instancePath == at || (!at.isEmpty && $0.instancePath.hasPrefix(at + "/")) }, "\(name): \(errors.prefix(3))")
        }
    }
}

extension LedgerReceiptSchemaTests {
    /// Schemas/openapi.json repeats the schema as its `LedgerReceipt` (the document stands alone):
    /// the same members, the same required ones.
    @Test func theOpenAPIDocumentDescribesTheSameMembers() throws {
        let read = { (name: String) throws -> JSONValue in
            try JSONValue(parsing: Array(try Data(contentsOf: CatalogueTests.schemas.appendingPathComponent(name))))
        }
        let schema = try read("ledger-receipt.schema.json")
        let openAPI = try read("openapi.json")
        let component = try #require(openAPI["components"]?["schemas"]?["LedgerReceipt"])
        let documented: [String] = component["properties"]?.objectValue.map { Array($0.keys) } ?? []
        let defined: [String] = schema["properties"]?.objectValue.map { Array($0.keys) } ?? []
        #expect(Set(documented) == Set(defined))
        #expect(defined.count == 11)
        #expect(component["required"] == schema["required"])
        #expect(component["additionalProperties"] == false)
        for status in ["200", "202"] {
            let content = openAPI["paths"]?["/v1/messages"]?["post"]?["responses"]?[status]?["content"]
            #expect(content?["application/json"]?["schema"]?["$ref"] == "#/components/schemas/LedgerReceipt", "\(status)")
            #expect(content?["application/jose+json"] != nil, "\(status)")
        }
    }
}
