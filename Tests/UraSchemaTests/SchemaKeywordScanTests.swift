import Foundation
import Testing
import UraTestTraits

/// The conformance test requires 100% on the suite files of the keywords `Schemas/` uses; this
/// checks how it finds them, before `Schemas/` exists.
@Suite(.offThePool) struct SchemaKeywordScanTests {
    @Test func keywordsAreFoundBySchemaStructureNotByMemberNames() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("messages"), withIntermediateDirectories: true)
        try Data("""
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://schemas.ura.al/m.json",
         "type": "object", "required": ["to"], "additionalProperties": false,
         "properties": {"to": {"$ref": "#/$defs/agency"}, "minimum": {"const": 1}, "note": true},
         "$defs": {"agency": {"pattern": "^al", "format": "uuid"}},
         "if": {"required": ["a"]}, "then": {"required": ["b"]}}
        """.utf8).write(to: root.appendingPathComponent("messages/m.json"))
        // Not a schema (no $schema/$id): its keys must not count.
        try Data(#"{"uniqueItems": true, "maxContains": 1}"#.utf8).write(to: root.appendingPathComponent("messages/example.json"))

        let available: Set = ["type.json", "required.json", "additionalProperties.json", "properties.json", "ref.json",
                              "refRemote.json", "defs.json", "pattern.json", "format.json", "if-then-else.json", "const.json",
                              "boolean_schema.json", "minimum.json", "uniqueItems.json", "maxContains.json"]
        let files = try ConformanceSuite.suiteFiles(forKeywordsIn: root, available: available)
        #expect(Set(files.keys) == ["type.json", "required.json", "additionalProperties.json", "properties.json", "ref.json",
                                    "refRemote.json", "defs.json", "pattern.json", "format.json", "if-then-else.json",
                                    "const.json", "boolean_schema.json"])
        #expect(files["ref.json"] == ["$ref"])
        #expect(files["if-then-else.json"] == ["if", "then"])
        // "minimum" is a property name here, not a keyword.
        #expect(files["minimum.json"] == nil)
    }
}
