import Testing
import UraJSON
@testable import UraSchema
import UraTestTraits

/// What `validate` reports: where (instance path, keyword, schema path) and a sentence to act on.
@Suite(.offThePool) struct ValidationErrorTests {
    static let envelope = """
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "https://schemas.ura.al/test/envelope.schema.json",
      "type": "object",
      "required": ["id", "from", "to"],
      "additionalProperties": false,
      "properties": {
        "id": {"type": "string", "format": "uuid"},
        "from": {"$ref": "#/$defs/agency"},
        "to": {"type": "array", "minItems": 1, "items": {"$ref": "#/$defs/agency"}},
        "priority": {"enum": ["normal", "urgent"]},
        "created": {"type": "string", "format": "date-time"},
        "attempts": {"type": "integer", "minimum": 0, "maximum": 5}
      },
      "$defs": {
        "agency": {"type": "string", "pattern": "^[a-z][a-z0-9-]*(\\\\.[a-z0-9-]+)+$", "maxLength": 64}
      }
    }
    """

    let envelope: Validator
    init() throws { envelope = try validator(Self.envelope) }

    static let validEnvelope = """
    {"id": "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c", "from": "al.shelter.qkpvt",
     "to": ["al.mpb.secretariat", "al.mepj"], "priority": "urgent", "created": "2026-11-23T09:15:00Z", "attempts": 0}
    """

    @Test func validInstanceHasNoErrors() {
        #expect(envelope.validate(json(Self.validEnvelope)) == [])
        #expect(envelope.isValid(json(Self.validEnvelope)))
    }

    @Test func patternErrorNamesTheItemTheValueAndThePattern() throws {
        let instance = json(#"{"id": "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c", "from": "al.police", "to": ["al.mpb", "Al.Mepj"]}"#)
        let errors = envelope.validate(instance)
        let error = try #require(errors.only)
        #expect(error.instancePath == "/to/1")
        #expect(error.keyword == "pattern")
        #expect(error.schemaPath == "/$defs/agency/pattern")
        #expect(error.schemaLocation == "https://schemas.ura.al/test/envelope.schema.json#/$defs/agency/pattern")
        #expect(error.message == #"'Al.Mepj' does not match the pattern ^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$"#)
        #expect(error.description == #"/to/1: 'Al.Mepj' does not match the pattern ^[a-z][a-z0-9-]*(\.[a-z0-9-]+)+$"#)
        #expect(!envelope.isValid(instance))
    }

    @Test func missingRequiredPropertyIsReportedAtTheObjectAndNamed() throws {
        let errors = envelope.validate(json(#"{"id": "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c", "from": "al.police"}"#))
        let error = try #require(errors.only)
        #expect(error.instancePath == "")
        #expect(error.keyword == "required")
        #expect(error.schemaPath == "/required")
        #expect(error.message.contains("'to'"))
        #expect(error.description.hasPrefix("(root): "))
    }

    @Test func everyMissingPropertyIsReported() {
        let errors = envelope.validate(json("{}"))
        #expect(errors.map(\.keyword) == ["required", "required", "required"])
        #expect(errors.map(\.message).joined().contains("'id'"))
        #expect(errors.map(\.message).joined().contains("'from'"))
    }

    @Test func unexpectedPropertyIsNamedWithTheAllowedOnes() throws {
        let instance = json(#"{"id": "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c", "from": "al.police", "to": ["al.mepj"], "recipient": "al.x"}"#)
        let error = try #require(envelope.validate(instance).only)
        #expect(error.instancePath == "")
        #expect(error.keyword == "additionalProperties")
        #expect(error.schemaPath == "/additionalProperties")
        #expect(error.message.contains("unexpected property 'recipient'"))
        #expect(error.message.contains("id, from, to, priority, created, attempts"))
    }

    @Test func typeEnumRangeAndFormatErrorsSayWhatIsExpected() {
        let instance = json("""
        {"id": "not-a-uuid", "from": 7, "to": [], "priority": "high", "created": "2026-13-01T00:00:00Z", "attempts": 6}
        """)
        let errors = envelope.validate(instance)
        let byPath = Dictionary(grouping: errors, by: \.instancePath)
        #expect(byPath["/id"]?.first?.keyword == "format")
        #expect(byPath["/id"]?.first?.message.contains("is not a UUID") == true)
        #expect(byPath["/from"]?.first?.keyword == "type")
        #expect(byPath["/from"]?.first?.message == "must be a string, but is an integer: 7")
        #expect(byPath["/to"]?.first?.keyword == "minItems")
        #expect(byPath["/to"]?.first?.message == "the array has 0 items; at least 1 are required")
        #expect(byPath["/priority"]?.first?.keyword == "enum")
        #expect(byPath["/priority"]?.first?.message == "'high' is not one of the allowed values 'normal', 'urgent'")
        #expect(byPath["/created"]?.first?.keyword == "format")
        #expect(byPath["/attempts"]?.first?.message == "6 is greater than the maximum 5")
        #expect(errors.count == 6)
    }

    @Test func memberNamesAreEscapedInInstancePaths() throws {
        let v = try validator(#"{"properties": {"a/b": {"properties": {"c~d": {"type": "string"}}}}}"#)
        let error = try #require(v.validate(json(#"{"a/b": {"c~d": 1}}"#)).only)
        #expect(error.instancePath == "/a~1b/c~0d")
        #expect(error.schemaPath == "/properties/a~1b/properties/c~0d/type")
    }

    @Test func failedAlternativesAreSummarised() throws {
        let v = try validator(#"{"anyOf": [{"type": "string"}, {"type": "integer", "minimum": 10}]}"#)
        let error = try #require(v.validate(json("3")).only)
        #expect(error.keyword == "anyOf")
        #expect(error.message.hasPrefix("matches none of the 2 alternatives of anyOf"))
        #expect(error.message.contains("alternative 0: (root): must be a string"))
        #expect(error.message.contains("alternative 1: (root): 3 is less than the minimum 10"))
    }

    @Test func oneOfMatchingTwiceNamesBoth() throws {
        let v = try validator(#"{"oneOf": [{"type": "integer"}, {"minimum": 0}]}"#)
        let error = try #require(v.validate(json("3")).only)
        #expect(error.keyword == "oneOf")
        #expect(error.message == "matches alternatives 0 and 1 of oneOf, but must match exactly one")
    }

    @Test func unevaluatedPropertyIsNamed() throws {
        let v = try validator(#"{"allOf": [{"properties": {"a": true}}], "unevaluatedProperties": false}"#)
        #expect(v.validate(json(#"{"a": 1}"#)) == [])
        let error = try #require(v.validate(json(#"{"a": 1, "b": 2}"#)).only)
        #expect(error.keyword == "unevaluatedProperties")
        #expect(error.message.contains("'b'"))
    }

    @Test func errorsInsideNotAndIfConditionsAreNotReported() throws {
        let v = try validator(#"{"if": {"required": ["a"]}, "then": {"required": ["b"]}, "not": {"type": "string"}}"#)
        #expect(v.validate(json("{}")) == [])
        let error = try #require(v.validate(json(#"{"a": 1}"#)).only)
        #expect(error.keyword == "required")
        #expect(error.message.contains("'b'"))
        #expect(v.validate(json(#""x""#)).map(\.keyword) == ["not"])
    }

    @Test func valuesCanBeKeptOutOfMessages() throws {
        let v = try validator(#"{"properties": {"name": {"pattern": "^[A-Z]"}}}"#, options: ValidatorOptions(quotesValues: false))
        let error = try #require(v.validate(json(#"{"name": "ardita"}"#)).only)
        #expect(!error.message.contains("ardita"))
        #expect(error.message == "the string does not match the pattern ^[A-Z]")
    }

    @Test func errorCountIsCapped() throws {
        let v = try validator(#"{"items": {"type": "string"}}"#, options: ValidatorOptions(maximumErrors: 3))
        let errors = v.validate(.array(Array(repeating: 1, count: 50)))
        #expect(errors.count == 3)
        #expect(errors.map(\.instancePath) == ["/0", "/1", "/2"])
    }

    @Test func lengthsCountCodePoints() throws {
        let v = try validator(#"{"minLength": 2, "maxLength": 3}"#)
        #expect(v.isValid(json(#""ëç""#)))
        #expect(v.isValid(json(#""💩💩💩""#)))
        #expect(!v.isValid(json(#""💩""#)))
        #expect(v.validate(json(#""abcd""#)).only?.message == "'abcd' is 4 characters long; at most 3 are allowed")
    }

    @Test func numbersCompareMathematically() throws {
        let v = try validator(#"{"enum": [1, "1"], "multipleOf": 0.5}"#)
        #expect(v.isValid(json("1.0")))
        #expect(!v.isValid(json("true")))
        let decimals = try validator(#"{"multipleOf": 0.01}"#)
        #expect(decimals.isValid(json("19.99")))
        #expect(!decimals.isValid(json("19.995")))
    }

    @Test func uniqueItemsNamesTheDuplicates() throws {
        let v = try validator(#"{"uniqueItems": true}"#)
        #expect(v.validate(json(#"[1, {"a": [1]}, 2, {"a": [1.0]}]"#)).only?.message == "items 1 and 3 are equal; the items must be unique")
        #expect(v.isValid(.array((0..<100).map { .number(Double($0)) })))
        #expect(!v.isValid(.array((0..<100).map { .number(Double($0 % 99)) })))
    }
}

extension Array {
    /// The single element, or `nil` when there are none or several.
    var only: Element? { count == 1 ? first : nil }
}
