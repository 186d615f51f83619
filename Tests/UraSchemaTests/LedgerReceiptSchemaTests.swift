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
