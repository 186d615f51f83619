import Foundation
import Testing
import UraJSON
@testable import UraSchema
import UraTestTraits

/// Registering documents and resolving `$ref` between them by `$id`, relative URIs and files.
@Suite(.offThePool) struct SchemaRegistryTests {
    static let common = """
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "https://schemas.ura.al/common/identifiers.schema.json",
      "$defs": {
        "agencyID": {"$anchor": "agency", "type": "string", "pattern": "^al(\\\\.[a-z0-9-]+)+$"},
        "caseReference": {"type": "string", "pattern": "^AL-[0-9]{4}-[0-9]{6}$"}
      }
    }
    """

    static let referral = """
    {
      "$schema": "https://json-schema.org/draft/2020-12/schema",
      "$id": "https://schemas.ura.al/messages/referral.schema.json",
      "type": "object",
      "required": ["case", "from"],
      "properties": {
        "case": {"$ref": "../common/identifiers.schema.json#/$defs/caseReference"},
        "from": {"$ref": "https://schemas.ura.al/common/identifiers.schema.json#agency"},
        "child": {"$ref": "#/$defs/child"}
      },
      "$defs": {
        "child": {
          "$id": "parts/child.json",
          "type": "object",
          "properties": {"guardian": {"$ref": "../../common/identifiers.schema.json#agency"}}
        }
      }
    }
    """

    @Test func refsAcrossDocumentsResolveByID() throws {
        var registry = SchemaRegistry()
        try registry.add(json(Self.common))
        let uri = try registry.add(json(Self.referral))
        #expect(uri == "https://schemas.ura.al/messages/referral.schema.json")
        let v = try registry.compile(uri)
        #expect(v.isValid(json(#"{"case": "AL-2026-000042", "from": "al.police.dvp-tirane"}"#)))

        let errors = v.validate(json(#"{"case": "AL-26-42", "from": "al.police"}"#))
        let error = try #require(errors.only)
        #expect(error.instancePath == "/case")
        #expect(error.schemaLocation == "https://schemas.ura.al/common/identifiers.schema.json#/$defs/caseReference/pattern")
    }

    @Test func relativeRefsResolveAgainstTheNearestID() throws {
        var registry = SchemaRegistry()
        try registry.add(json(Self.common))
        try registry.add(json(Self.referral))
        let v = try registry.compile("https://schemas.ura.al/messages/referral.schema.json")
        // child has $id parts/child.json, so its ../../common/… lands on the common document.
        #expect(v.isValid(json(#"{"case": "AL-2026-000042", "from": "al.mepj", "child": {"guardian": "al.sherbimi-social"}}"#)))
        let error = try #require(v.validate(json(#"{"case": "AL-2026-000042", "from": "al.mepj", "child": {"guardian": "Gjyshja"}}"#)).only)
        #expect(error.instancePath == "/child/guardian")
        #expect(error.schemaPath == "/$defs/agencyID/pattern")
        // The embedded resource is registered under its own resolved $id and compiles alone.
        #expect(registry.contains("https://schemas.ura.al/messages/parts/child.json"))
        let child = try registry.compile("https://schemas.ura.al/messages/parts/child.json")
        #expect(!child.isValid(json(#"{"guardian": "Gjyshja"}"#)))
    }

    @Test func aFragmentURIcompilesThatSubschema() throws {
        var registry = SchemaRegistry()
        try registry.add(json(Self.common))
        let agency = try registry.compile("https://schemas.ura.al/common/identifiers.schema.json#/$defs/agencyID")
        #expect(agency.isValid(json(#""al.mepj""#)))
        #expect(!agency.isValid(json(#""mepj""#)))
        let byAnchor = try registry.compile("https://schemas.ura.al/common/identifiers.schema.json#agency")
        #expect(!byAnchor.isValid(json("42")))
    }

    @Test func compilingAnUnknownURIsaysWhatIsRegistered() throws {
        var registry = SchemaRegistry()
        try registry.add(json(Self.common))
        let error = try #require(throws: SchemaError.self) { try registry.compile("https://schemas.ura.al/messages/missing.schema.json") }
        #expect(error.reason == .unknownSchema("https://schemas.ura.al/messages/missing.schema.json"))
        #expect(error.message.contains("https://schemas.ura.al/common/identifiers.schema.json"))
    }

    @Test func twoDocumentsWithOneIDAreRejected() throws {
        var registry = SchemaRegistry()
        try registry.add(json(Self.common))
        try registry.add(json(Self.common))  // the same document again is harmless
        var other = json(Self.common)
        if case .object(var object) = other { object["title"] = "another"; other = .object(object) }
        let error = try #require(throws: SchemaError.self) { try registry.add(other) }
        #expect(error.reason == .duplicateIdentifier("https://schemas.ura.al/common/identifiers.schema.json"))
        // The failed add left the registry as it was.
        #expect(try registry.compile("https://schemas.ura.al/common/identifiers.schema.json#agency").isValid(json(#""al.x""#)))
    }

    @Test func directoriesAreLoadedRecursivelyWithFileURIs() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        try FileManager.default.createDirectory(at: root.appendingPathComponent("common"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: root.appendingPathComponent("messages"), withIntermediateDirectories: true)
        // No $id: the relative $ref must resolve against the file's own URL.
        try Data(#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "string", "minLength": 3}"#.utf8)
            .write(to: root.appendingPathComponent("common/name.json"))
        try Data(#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "properties": {"name": {"$ref": "../common/name.json"}}}"#.utf8)
            .write(to: root.appendingPathComponent("messages/form.json"))
        try Data(#"{"name": "an example, not a schema"}"#.utf8).write(to: root.appendingPathComponent("messages/example.json"))
        try Data("not json".utf8).write(to: root.appendingPathComponent("notes.txt"))

        var registry = SchemaRegistry()
        let added = try registry.addDirectory(root)
        #expect(added.count == 2)
        let form = try #require(added.first { $0.hasSuffix("/messages/form.json") })
        #expect(form.hasPrefix("file:///"))
        let v = try registry.compile(form)
        #expect(v.isValid(json(#"{"name": "Ana"}"#)))
        #expect(v.validate(json(#"{"name": "A"}"#)).only?.instancePath == "/name")
    }

    @Test func aBrokenFileInTheDirectoryIsNamed() throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let broken = root.appendingPathComponent("broken.schema.json")
        try Data(#"{"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "#.utf8).write(to: broken)
        var registry = SchemaRegistry()
        let error = try #require(throws: SchemaError.self) { try registry.addDirectory(root) }
        #expect(error.reason == .unreadableFile(broken.path))
        #expect(error.message.contains("not valid JSON"))
        #expect(throws: SchemaError.self) { try registry.addDirectory(root.appendingPathComponent("missing")) }
    }

    @Test func theMetaSchemaIsAvailableOffline() throws {
        let registry = SchemaRegistry()
        let meta = try registry.compile("https://json-schema.org/draft/2020-12/schema")
        #expect(meta.isValid(json(Self.referral)))
        #expect(!meta.isValid(json(#"{"type": 7}"#)))
        #expect(!meta.isValid(json(#"{"properties": {"a": {"minLength": -1}}}"#)))
        let error = try #require(meta.validate(json(#"{"required": "id"}"#)).first)
        #expect(error.instancePath == "/required")
    }

    @Test func recursiveSchemasValidateDeepInstances() throws {
        let v = try validator(##"{"type": "object", "properties": {"next": {"$ref": "#"}, "value": {"type": "integer"}}}"##)
        var instance: JSONValue = ["value": 1]
        for _ in 0..<100 { instance = ["value": 1, "next": instance] }
        #expect(v.isValid(instance))
        var bad: JSONValue = ["value": "x"]
        for _ in 0..<100 { bad = ["next": bad] }
        let error = try #require(v.validate(bad).only)
        #expect(error.instancePath == String(repeating: "/next", count: 100) + "/value")
    }

    @Test func aSchemaThatLoopsWithoutConsumingTheInstanceFailsInsteadOfCrashing() throws {
        let v = try validator(##"{"$defs": {"a": {"$ref": "#/$defs/b"}, "b": {"$ref": "#/$defs/a"}}, "$ref": "#/$defs/a"}"##)
        #expect(!v.isValid(json("1")))
        let error = try #require(v.validate(json("1")).only)
        #expect(error.message.contains("refers to itself without descending into the instance"))
    }

    @Test func instanceDepthIsBoundedByTheOption() throws {
        let v = try validator(##"{"type": ["array", "integer"], "items": {"$ref": "#"}}"##, options: ValidatorOptions(maximumDepth: 300))
        var nested: JSONValue = 1
        for _ in 0..<100 { nested = [nested] }
        #expect(v.isValid(nested))
        for _ in 0..<400 { nested = [nested] }
        #expect(!v.isValid(nested))
        let errors = v.validate(nested)
        #expect(!errors.isEmpty)
        #expect(errors.only?.message.contains("nested deeper than the 300 levels") == true)
    }

    @Test func deepEvaluationFitsTheStackOfAnyThread() async throws {
        // 1,000 nested evaluations (the default limit) on a cooperative-pool thread.
        let v = try validator(##"{"items": {"$ref": "#"}}"##)
        var nested: JSONValue = 1
        for _ in 0..<2000 { nested = [nested] }
        let instance = nested
        let errors = await Task.detached { v.validate(instance) }.value
        #expect(errors.only?.message.contains("nested deeper than the 1000 levels") == true)
    }

    @Test func oneValidatorServesManyThreads() async throws {
        var registry = SchemaRegistry()
        try registry.add(json(Self.common))
        try registry.add(json(Self.referral))
        let v = try registry.compile("https://schemas.ura.al/messages/referral.schema.json")
        let good = json(#"{"case": "AL-2026-000042", "from": "al.police.dvp-tirane"}"#)
        let bad = json(#"{"case": "AL-2026-42", "from": "al.police.dvp-tirane"}"#)
        let results = await withTaskGroup(of: Bool.self) { group in
            for i in 0..<16 {
                group.addTask {
                    (0..<200).allSatisfy { j in
                        (i + j) % 2 == 0 ? v.isValid(good) && v.validate(good).isEmpty : v.validate(bad).only?.instancePath == "/case"
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 16))
    }
}
