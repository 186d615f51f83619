import Testing
import UraJSON
@testable import UraSchema
import UraTestTraits

/// Problems with a schema are found when it is compiled, and say where and what to change.
@Suite(.offThePool) struct SchemaCompileErrorTests {
    @Test func unresolvableRefNamesTheReference() throws {
        let error = try #require(throws: SchemaError.self) {
            try validator(#"{"$id": "https://schemas.ura.al/a.json", "properties": {"to": {"$ref": "common.json#/$defs/agency"}}}"#)
        }
        #expect(error.reason == .unresolvableReference("common.json#/$defs/agency"))
        #expect(error.location == "https://schemas.ura.al/a.json#/properties/to/$ref")
        #expect(error.message.contains("https://schemas.ura.al/common.json#/$defs/agency"))
        #expect(error.message.contains("no registered schema has the $id https://schemas.ura.al/common.json"))
    }

    @Test func refToAMissingPointerOrAnchorInAKnownDocumentSaysSo() throws {
        let error = try #require(throws: SchemaError.self) {
            try validator(##"{"$id": "https://schemas.ura.al/a.json", "$defs": {"x": true}, "$ref": "#/$defs/y"}"##)
        }
        #expect(error.reason == .unresolvableReference("#/$defs/y"))
        #expect(error.message.contains("is registered but has nothing at #/$defs/y"))
        #expect(throws: SchemaError.self) { try validator(##"{"$ref": "#nowhere"}"##) }
        #expect(throws: SchemaError.self) { try validator(##"{"$dynamicRef": "#nowhere"}"##) }
    }

    @Test func typeSevenIsRejected() throws {
        let error = try #require(throws: SchemaError.self) { try validator(#"{"properties": {"a": {"type": 7}}}"#) }
        #expect(error.reason == .invalidKeyword("type"))
        #expect(error.location.hasSuffix("#/properties/a/type"))
        #expect(error.message.contains("type must be one of null, boolean, integer, number, string, array, object"))
        #expect(throws: SchemaError.self) { try validator(#"{"type": "text"}"#) }
        #expect(throws: SchemaError.self) { try validator(#"{"type": []}"#) }
        #expect(throws: SchemaError.self) { try validator(#"{"type": ["string", 1]}"#) }
    }

    @Test(arguments: [
        (#"{"minLength": -1}"#, "minLength"),
        (#"{"maxItems": 1.5}"#, "maxItems"),
        (#"{"required": "id"}"#, "required"),
        (#"{"required": [1]}"#, "required"),
        (#"{"enum": "a"}"#, "enum"),
        (#"{"multipleOf": 0}"#, "multipleOf"),
        (#"{"maximum": "10"}"#, "maximum"),
        (#"{"pattern": "^(abc"}"#, "pattern"),
        (#"{"patternProperties": {"[": true}}"#, "patternProperties"),
        (#"{"allOf": []}"#, "allOf"),
        (#"{"items": [true]}"#, "items"),
        (#"{"properties": {"a": 1}}"#, "properties/a"),
        (#"{"format": 1}"#, "format"),
        (#"{"$ref": 1}"#, "$ref"),
        (#"{"uniqueItems": "yes"}"#, "uniqueItems"),
        (#"{"dependentRequired": {"a": "b"}}"#, "dependentRequired"),
    ])
    func malformedKeywordValuesAreRejected(schema: String, keyword: String) throws {
        let error = try #require(throws: SchemaError.self) { try validator(schema) }
        guard case .invalidKeyword(let named) = error.reason else {
            Issue.record("expected an invalid keyword error, got \(error)")
            return
        }
        #expect(named == keyword || keyword.hasPrefix("properties/"))
        #expect(error.location.hasSuffix("#/" + keyword))
    }

    @Test func identifiersWithFragmentsOrBadAnchorsAreRejected() {
        #expect(throws: SchemaError.self) { try validator(##"{"$defs": {"a": {"$id": "#a"}}}"##) }
        #expect(throws: SchemaError.self) { try validator(#"{"$anchor": "1st"}"#) }
        #expect(throws: SchemaError.self) { try validator(#"{"$id": 5}"#) }
    }

    @Test func unknownDialectIsRejected() throws {
        let error = try #require(throws: SchemaError.self) { try validator(#"{"$schema": "http://json-schema.org/draft-07/schema#", "type": "string"}"#) }
        #expect(error.reason == .unsupportedDialect("http://json-schema.org/draft-07/schema#"))
        #expect(error.message.contains("https://json-schema.org/draft/2020-12/schema"))
    }

    @Test func metaSchemaRequiringAnUnknownVocabularyIsRejected() throws {
        var registry = SchemaRegistry()
        try registry.add(json("""
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://example.al/meta",
         "$vocabulary": {"https://json-schema.org/draft/2020-12/vocab/core": true, "https://example.al/vocab/magic": true}}
        """))
        try registry.add(json(#"{"$schema": "https://example.al/meta", "$id": "https://example.al/s"}"#))
        let error = try #require(throws: SchemaError.self) { try registry.compile("https://example.al/s") }
        #expect(error.message.contains("https://example.al/vocab/magic"))
    }

    @Test func schemaThatIsNeitherObjectNorBooleanIsRejected() {
        #expect(throws: SchemaError.self) { try validator("[]") }
        #expect(throws: SchemaError.self) { try validator(#"{"not": "string"}"#) }
    }
}
