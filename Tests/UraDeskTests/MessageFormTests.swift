import Foundation
import Testing
@testable import UraDesk
import UraJSON
import UraModel
import UraSchema
import UraTestTraits

/// The schema→form generator over every schema in Schemas/messages: each form renders with a
/// bound label per field, a filled form posts back (through URL encoding) to the same JSON that
/// the project's validator accepts, and a wrong value is shown next to its own field.
@Suite(.offThePool) struct MessageFormTests {
    static let schemas = MessageCatalogue.defaultDirectory()
    static let catalogue = try! MessageCatalogue(directory: schemas)

    /// Every body schema: its file name and the type it is for.
    static let messageSchemas: [(uri: String, type: String)] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: schemas.appendingPathComponent("messages").path)) ?? []
        return names.filter { $0.hasSuffix(".schema.json") }.sorted().map { (MessageCatalogue.base + "messages/" + $0, String($0.dropLast(".schema.json".count))) }
    }()

    static let examples: [(name: String, value: JSONValue)] = {
        let folder = schemas.appendingPathComponent("examples")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted().compactMap { name in
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path), let value = try? JSONValue(parsing: Array(data)) else { return nil }
            return (name, value)
        }
    }()

    static func form(_ uri: String, _ type: String) throws -> MessageForm {
        try MessageForm(schema: uri, type: try MessageType(type), registry: catalogue.registry, words: catalogue.words)
    }

    @Test func thereAreSchemasToTest() {
        #expect(Self.messageSchemas.count >= 40)
        #expect(Self.messageSchemas.contains { $0.type == "return.found-abroad" })
    }

    @Test(arguments: messageSchemas.map(\.type)) func everyFormRendersWithALabelBoundToEachField(_ type: String) throws {
        let uri = Self.messageSchemas.first { $0.type == type }!.uri
        let form = try Self.form(uri, type)
        let html = form.root.render(nil)
        guard case .object(let fields) = form.root.kind else { Issue.record("\(type): the root is not an object"); return }
        #expect(!fields.isEmpty)
        for field in fields {
            let id = HTML.escape(FormField.id("/" + field.name))
            // A leaf's label names its input; a group's legend is inside a fieldset with the id.
            #expect(html.contains("for=\"\(id)\"") || html.contains("<fieldset class=\"field") && html.contains("id=\"\(id)\""), "\(type): no label for \(field.name)")
            if field.required { #expect(html.contains("class=\"req\""), "\(type): no required mark") }
        }
        #expect(!html.contains("<script"))
    }

    @Test(arguments: messageSchemas.map(\.type)) func aFilledFormRoundTripsToJSONThatValidates(_ type: String) throws {
        let uri = Self.messageSchemas.first { $0.type == type }!.uri
        let form = try Self.form(uri, type)
        let examples = Self.examples.filter { form.validator.isValid($0.value) }
        #expect(!examples.isEmpty, "\(type): no example in Schemas/examples validates against its schema")
        for example in examples {
            let posted = PostedForm(body: form.root.encode(example.value).encoded)
            let decoded = form.root.decode(posted)
            // The same value, up to what a form cannot keep: a date-time's offset (typed and sent
            // in UTC: the same instant) and the order of ticked boxes (the enum's order).
            #expect(Self.sameMeaning(form.root, decoded, example.value), "\(type) (\(example.name)): the form posts back \(decoded.serializedString())")
            #expect(form.check(decoded).isEmpty, "\(type) (\(example.name)): \(form.validator.validate(decoded))")
            // Drawn filled in: every text the example holds is in an input.
            let html = form.root.render(example.value)
            if let caseReference = example.value["case"]?.stringValue { #expect(html.contains("value=\"\(caseReference)\"")) }
        }
    }

    static func sameMeaning(_ field: FormField, _ a: JSONValue, _ b: JSONValue) -> Bool {
        switch field.kind {
        case .text(let inputType, _) where inputType == "datetime-local":
            guard let x = a.stringValue.flatMap(RFC3339.date(from:)), let y = b.stringValue.flatMap(RFC3339.date(from:)) else { return a == b }
            return x == y
        case .choices:
            return Set(a.arrayValue ?? []) == Set(b.arrayValue ?? []) && a.arrayValue?.count == b.arrayValue?.count
        case .object(let fields):
            guard let x = a.objectValue, let y = b.objectValue, Set(x.keys) == Set(y.keys) else { return false }
            return x.keys.allSatisfy { k in
                guard let f = fields.first(where: { $0.name == k }) else { return x[k] == y[k] }
                return sameMeaning(f, x[k]!, y[k]!)
            }
        case .array(let item, _):
            guard let x = a.arrayValue, let y = b.arrayValue, x.count == y.count else { return false }
            return zip(x, y).allSatisfy { sameMeaning(item, $0, $1) }
        default:
            return a == b
        }
    }

    /// A leaf the form draws, with a value that its schema refuses.
    static func wrongValue(_ field: FormField, _ pointer: String, in posted: PostedForm) -> (pointer: String, value: String)? {
        switch field.kind {
        case .object(let fields):
            for f in fields {
                if let found = wrongValue(f, pointer + "/" + f.name, in: posted) { return found }
            }
            return nil
        case .array(let item, _):
            guard posted["n" + pointer].flatMap(Int.init) ?? 0 > 0 else { return nil }
            return wrongValue(item, pointer + "/0", in: posted)
        case .choice:
            return posted["f" + pointer] == nil ? nil : (pointer, "not-one-of-them")
        case .number:
            return posted["f" + pointer] == nil ? nil : (pointer, "twelve")
        case .text(let inputType, _) where inputType == "date" || inputType == "datetime-local":
            return posted["f" + pointer] == nil ? nil : (pointer, "31.12.2026")
        case .text where field.pattern != nil:
            return posted["f" + pointer] == nil ? nil : (pointer, "?? not this ??")
        default:
            return nil
        }
    }

    @Test(arguments: messageSchemas.map(\.type)) func aWrongValueShowsItsErrorAtItsField(_ type: String) throws {
        let uri = Self.messageSchemas.first { $0.type == type }!.uri
        let form = try Self.form(uri, type)
        guard let example = Self.examples.first(where: { form.validator.isValid($0.value) }) else { Issue.record("\(type): no example"); return }
        let posted = form.root.encode(example.value)
        guard let wrong = Self.wrongValue(form.root, "", in: posted) else { Issue.record("\(type): no field to put a wrong value in"); return }
        var changed = PostedForm()
        for pair in posted.pairs { changed.append(pair.name, pair.name == "f" + wrong.pointer ? wrong.value : pair.value) }
        let value = form.root.decode(changed)
        let errors = form.check(value)
        #expect(!errors[wrong.pointer].isEmpty, "\(type): no error at \(wrong.pointer): \(errors.byPointer)")
        let html = form.root.render(value, errors: errors)
        let id = HTML.escape(FormField.id(wrong.pointer))
        // The error sits in the same field block as the input, in Albanian and English, and the input names it.
        #expect(html.contains("id=\"e\(id)\""), "\(type): the error of \(wrong.pointer) is not drawn by its field")
        let block = html.range(of: "id=\"\(id)\"").map { String(html[$0.lowerBound...].prefix(4000)) } ?? ""
        #expect(block.contains("aria-invalid=\"true\"") && block.contains("id=\"e\(id)\""))
        #expect(html.contains("class=\"summary\""))
        #expect(html.contains(HTML.escape(wrong.value)), "the wrong value is shown again for correction")

        // A required field left empty: "required" is placed on the field itself, not its parent.
        if case .object(let fields) = form.root.kind, let required = fields.first(where: { $0.required }) {
            let without = PostedForm(changed.pairs.filter { !$0.name.hasPrefix("f/" + required.name) && !$0.name.hasPrefix("n/" + required.name) })
            let missing = form.check(form.root.decode(without))
            #expect(missing["/" + required.name].contains(FieldErrors.Message(sq: "Kjo fushë duhet plotësuar.", en: "This field is required.")),
                    "\(type): \(missing.byPointer)")
        }
    }

    @Test func rowsAreAddedAndRemovedByPostingTheForm() throws {
        let form = try MessageForm(type: try MessageType("return.found-abroad"), catalogue: Self.catalogue)
        // An empty form shows the one signature row the schema requires, and no family rows.
        let empty = form.root.render(nil)
        #expect(empty.contains("name=\"n/signatures\" value=\"1\""))
        #expect(empty.contains("name=\"n/family_in_albania\" value=\"0\""))
        #expect(empty.contains("value=\"add:/family_in_albania\""))
        var posted = PostedForm(body: Array("f/case=AL-2026-000061&n/signatures=1&f/signatures/0/name=Ana&n/family_in_albania=0".utf8))
        var value = MessageForm.apply("add:/family_in_albania", to: form.root.decode(posted, keepRows: true))
        value = MessageForm.apply("add:/family_in_albania", to: value)
        let twoRows = form.root.render(value)
        #expect(twoRows.contains("name=\"n/family_in_albania\" value=\"2\""))
        #expect(twoRows.contains("for=\"f/family_in_albania/1/relation\""))
        #expect(twoRows.contains("value=\"Ana\""), "what was typed stays")
        // Remove the first of two rows: the second moves up.
        posted = PostedForm(body: Array("f/case=AL-2026-000061&n/family_in_albania=2&f/family_in_albania/0/relation=mother&f/family_in_albania/1/relation=father".utf8))
        value = MessageForm.apply("remove:/family_in_albania/0", to: form.root.decode(posted, keepRows: true))
        #expect(value["family_in_albania"] == .array([.object(["relation": .string("father")])]))
        // Empty rows are not sent.
        posted = PostedForm(body: Array("f/case=AL-2026-000061&n/family_in_albania=2&f/family_in_albania/1/relation=father".utf8))
        #expect(form.root.decode(posted)["family_in_albania"] == .array([.object(["relation": .string("father")])]))
    }

    @Test func inputsFollowTheSchemasTypesAndFormats() throws {
        let form = try MessageForm(type: try MessageType("return.found-abroad"), catalogue: Self.catalogue)
        let html = form.root.render(nil)
        #expect(html.contains("<input type=\"date\" id=\"f/found_on\""))
        #expect(html.contains("<input type=\"datetime-local\" id=\"f/signatures/0/signed_at\""))
        #expect(html.contains("<select id=\"f/current_location\""))
        #expect(html.contains("<option value=\"host-country-shelter\">"))
        #expect(html.contains("<select id=\"f/host_authorities_involved\""), "a boolean: yes, no or not given")
        #expect(html.contains("type=\"checkbox\" id=\"f/needs#0\""), "an array of an enum is boxes to tick")
        #expect(html.contains("<textarea id=\"f/circumstances\""))
        #expect(html.contains("<input type=\"number\" id=\"f/person/age_years\""))
        #expect(html.contains("Gjetur më <span class=\"en\">/ Found on</span>"))
        #expect(html.contains("class=\"help\" id=\"hf/found_on\""), "the schema's description is the help text")
        // A date-time is typed in UTC and sent in RFC 3339.
        let posted = PostedForm(body: Array("f/signatures/0/signed_at=2026-11-23T09%3A15&n/signatures=1".utf8))
        #expect(form.root.decode(posted)["signatures"]?[0]?["signed_at"] == .string("2026-11-23T09:15:00Z"))
        #expect(FormField.inputValue(ofDateTime: "2026-11-23T10:15:00+01:00") == "2026-11-23T09:15:00")
        // A number that is not one stays text, for the validator to name.
        let age = PostedForm(body: Array("f/person/age_years=twelve".utf8))
        #expect(form.root.decode(age)["person"]?["age_years"] == .string("twelve"))
    }

    /// Titles a schema gives its values win over the desk's own words: a `oneOf` of `const`s with
    /// `title` / `x-title-sq`, or `x-enum-titles` / `x-enum-titles-sq` beside an `enum`.
    @Test func valueTitlesComeFromTheSchemaWhenItHasThem() throws {
        var registry = SchemaRegistry()
        let uri = try registry.add(try JSONValue(parsing: #"""
            {"$id": "https://example.test/f.json", "type": "object", "properties": {
              "level": {"oneOf": [{"const": "low", "title": "Low risk", "x-title-sq": "Rrezik i ulët"}, {"const": "high", "title": "High risk"}]},
              "needs": {"type": "array", "items": {"enum": ["a", "b"], "x-enum-titles": {"a": "Accommodation"}, "x-enum-titles-sq": {"a": "Akomodim"}}}}}
            """#))
        let form = try MessageForm(schema: uri, type: try MessageType("test.titles"), registry: registry, words: Self.catalogue.words)
        let html = form.root.render(.object(["level": .string("high")]))
        #expect(html.contains("<option value=\"low\">Rrezik i ulët / Low risk</option>"))
        #expect(html.contains("<option value=\"high\" selected>I lartë / High risk</option>"), "the desk's Albanian where the schema has none")
        #expect(html.contains("Akomodim <span class=\"en\">/ Accommodation</span>"))
        let posted = PostedForm(body: Array("f/level=low&f/needs=a".utf8))
        #expect(form.root.decode(posted) == .object(["level": .string("low"), "needs": .array([.string("a")])]))
        #expect(form.root.display(.object(["level": .string("low")])).contains("Rrezik i ulët"))
    }

    @Test func valuesAreEscaped() throws {
        let form = try MessageForm(type: try MessageType("return.found-abroad"), catalogue: Self.catalogue)
        let html = form.root.render(.object(["circumstances": .string("</textarea><script>alert(1)</script>")]))
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;/textarea&gt;&lt;script&gt;"))
    }
}
