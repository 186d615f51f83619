import Testing
import UraJSON
import UraSchema
import UraTestTraits

/// `SchemaRegistry.schema(_:relativeTo:)`: a schema found by URI for tools that read its structure
/// (the desk's form generator), with relative `$ref`s resolved against the right base.
@Suite(.offThePool) struct SchemaLookupTests {
    @Test func aReferenceIsResolvedAgainstItsBaseAndAFragmentPointsInside() throws {
        var registry = SchemaRegistry()
        try registry.add(try JSONValue(parsing: #"{"$id": "https://example.test/common.json", "$defs": {"date": {"type": "string", "format": "date"}}}"#))
        try registry.add(try JSONValue(parsing: #"{"$id": "https://example.test/forms/a.json", "properties": {"on": {"$ref": "../common.json#/$defs/date"}}}"#))
        let form = try #require(registry.schema("https://example.test/forms/a.json"))
        #expect(form.base == "https://example.test/forms/a.json")
        let reference = try #require(form.schema["properties"]?["on"]?["$ref"]?.stringValue)
        let date = try #require(registry.schema(reference, relativeTo: form.base))
        #expect(date.schema["format"] == .string("date"))
        #expect(date.base == "https://example.test/common.json")
        #expect(registry.schema("https://example.test/none.json") == nil)
        #expect(registry.schema("../common.json#/$defs/missing", relativeTo: form.base) == nil)
    }
}
