import Foundation
import Testing
import UraJSON
import UraModel
@testable import UraSchema
import UraTestTraits

/// `Schemas/` as shipped: every schema compiles, every example validates, broken bodies are
/// rejected at the right place, and the catalogue says what the SOP says.
@Suite(.offThePool) struct CatalogueTests {
    static let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Schemas").standardized
    static let loaded = Result { try MessageCatalogue(directory: schemas) }

    var catalogue: MessageCatalogue { get throws { try Self.loaded.get() } }

    func example(_ type: MessageType) throws -> JSONValue {
        try JSONValue(parsing: Array(try Data(contentsOf: Self.schemas.appendingPathComponent("examples/\(type).json"))))
    }

    @Test func everySchemaFileCompiles() throws {
        let c = try catalogue
        let files = try FileManager.default.subpathsOfDirectory(atPath: Self.schemas.path).filter { $0.hasSuffix(".schema.json") }
        #expect(files.count >= 50)
        for file in files {
            let document = try JSONValue(parsing: Array(try Data(contentsOf: Self.schemas.appendingPathComponent(file))))
            let id = try #require(document["$id"]?.stringValue, "\(file) has no $id")
            #expect(throws: Never.self, "\(file)") { try c.registry.compile(id) }
        }
    }

    @Test func everyTypeHasAValidExample() throws {
        let c = try catalogue
        for entry in c.catalogue.entries {
            let validator = try #require(c.bodyValidator(for: entry.type))
            let errors = validator.validate(try example(entry.type))
            #expect(errors.isEmpty, "\(entry.type): \(errors.prefix(3))")
        }
    }

    /// Per type: every required field removed in turn, and each required field given a value of
    /// the wrong type, must be rejected, with the error at the right place.
    @Test func brokenBodiesAreRejectedWhereTheyAreBroken() throws {
        let c = try catalogue
        var checked = 0
        for entry in c.catalogue.entries {
            let validator = try #require(c.bodyValidator(for: entry.type))
            guard case .object(let body) = try example(entry.type) else { Issue.record("\(entry.type): example is not an object"); continue }
            let file = entry.schema.replacingOccurrences(of: MessageCatalogue.base, with: "")
            let schema = try JSONValue(parsing: Array(try Data(contentsOf: Self.schemas.appendingPathComponent(file))))
            let required = schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(required.count >= 2, "\(entry.type) requires fewer than two fields")
            var perType = 0
            for field in required where body[field] != nil {
                var missing = body
                missing[field] = nil
                let errors = validator.validate(.object(missing))
                #expect(errors.contains { $0.keyword == "required" && $0.instancePath == "" && $0.message.contains(field) },
                        "\(entry.type): removing \(field) gave \(errors.prefix(2))")
                var wrong = body
                wrong[field] = Self.wrongType(for: body[field]!)
                let typeErrors = validator.validate(.object(wrong))
                #expect(typeErrors.contains { $0.instancePath == "/\(field)" || $0.instancePath.hasPrefix("/\(field)/") },
                        "\(entry.type): a wrong type in \(field) gave \(typeErrors.prefix(2))")
                perType += 2
            }
            #expect(perType >= 2, "\(entry.type): fewer than two invalid bodies checked")
            checked += perType
        }
        print("catalogue: \(checked) invalid bodies rejected at the right path across \(try catalogue.catalogue.entries.count) types")
    }

    static func wrongType(for value: JSONValue) -> JSONValue {
        switch value {
        case .string: .number(7)
        case .number, .bool: .string("seven")
        case .array: .object(["not": "an array"])
        case .object: .array([])
        case .null: .number(7)
        }
    }

    @Test func enumsRejectValuesOutsideThem() throws {
        // Every type's example, with the first enum-valued field found changed to a value outside it.
        let c = try catalogue
        let validator = try #require(c.bodyValidator(for: MessageType("risk.assessment")))
        guard case .object(var body) = try example(MessageType("risk.assessment")) else { return }
        body["level"] = "extreme"
        #expect(validator.validate(.object(body)).contains { $0.instancePath == "/level" && $0.keyword == "enum" })
    }

    @Test func everyFormCodeOfTheSOPIsPresent() throws {
        let forms = Set(try catalogue.catalogue.entries.compactMap(\.form))
        let expected = (1...5).map { "A\($0)" } + (1...3).map { "B\($0)" } + (1...5).map { "C\($0)" } + ["D1", "D2"] + (1...5).map { "E\($0)" }
        for form in expected { #expect(forms.contains(form), "form \(form) is not in the catalogue") }
    }

    /// Every deadline of the domain brief, on the type that starts it.
    @Test(arguments: [
        ("identification.formal-interview.child", "identification.status-decision", "same-day", nil),      // B3 the same day
        ("identification.formal-interview.adult", "identification.status-decision", "same-day", nil),
        ("identification.dispute", "identification.dispute-decision", "24h", nil),                       // AP convenes within 24 hours
        ("identification.status-decision", "identification.appeal", "30wd", nil),                        // appeal within 30 working days
        ("identification.appeal", "identification.appeal-hearing", "5wd", nil),                          // commission meets within 5 wd
        ("identification.appeal-hearing", "identification.appeal-decision", "30wd", nil),                // and decides within 30 wd
        ("protection.emergency-measure", "protection.child-protection-plan", "72h", nil),                // GTN and plan within 72 hours
        ("protection.admission.adult", "protection.formal-interview-information", "3d", nil),            // told within 3 days
        ("protection.admission.child", "protection.formal-interview-information", "3d", nil),
        ("avr.information", "avr.assessment-request", "7d", "child"),                                    // E2 within 7 days for a child
        ("avr.information", "avr.assessment-request", "same-day", "adult"),                              // within the day for an adult
        ("avr.assessment-report", "avr.decision", "7d", nil),                                            // AP within 1 week of E3
        ("return.found-abroad", "return.assessment-request", "same-day", nil),                           // immediately
        ("return.assessment-request", "return.assessment-report", "7d", "adult"),                        // adults within 1 week
        ("return.assessment-request", "return.assessment-report", "15d", "child"),                       // children within 15 days
        ("return.destination-decision", "return.reception-tasks", "2d", nil),                            // AP within 2 days
        ("reintegration.plan", "ap.decision", "7d", nil),                                                // AP decision within 7 days
        ("reintegration.plan", "reintegration.monitoring-report", "monthly", nil),                       // D2 monthly
    ] as [(String, String, String, String?)])
    func everyDeadlineOfTheBriefIsOnItsType(trigger: String, follow: String, within: String, subject: String?) throws {
        let entry = try #require(try catalogue.catalogue[MessageType(trigger)], "\(trigger) is missing")
        let match = entry.expects.first { e in
            e.types.contains(MessageType(validated: follow)) && e.within.description == within && e.whenSubject?.rawValue == subject
        }
        #expect(match != nil, "\(trigger) does not expect \(follow) within \(within)\(subject.map { " for a \($0)" } ?? "")")
        if within == "monthly" { #expect(match?.forMonths == 24) }
    }

    @Test func interviewRecordsNeedDeclarations() throws {
        for form in ["A3", "A4", "B1", "B2"] {
            #expect(try catalogue.catalogue.entry(forForm: form)?.rules.contains(.declarationsRequired) == true, "\(form)")
        }
    }

    @Test func committeesNeverReceiveACaseMessage() throws {
        for entry in try catalogue.catalogue.entries { #expect(!entry.to.contains(.committee), "\(entry.type) may go to a committee") }
    }

    /// Whatever identifies a person is marked `x-personal`, so statistics can leave it out: every
    /// property with an identifying name, in every schema, carries the mark (or refers to a
    /// definition that does).
    @Test func personalFieldsAreMarked() throws {
        let identifying: Set<String> = ["given_name", "family_name", "father_name", "mother_name", "other_names", "date_of_birth",
                                        "place_of_birth", "phone", "email", "address", "statement"]
        let common = try JSONValue(parsing: Array(try Data(contentsOf: Self.schemas.appendingPathComponent("common.schema.json"))))
        let personalDefinitions = Set((common["$defs"]?.objectValue ?? [:]).compactMap { $0.value["x-personal"] == true ? $0.key : nil })
        #expect(personalDefinitions.isSuperset(of: ["personName", "phone", "email", "address", "narrative"]))
        #expect(common["$defs"]?["identityDocument"]?["properties"]?["number"]?["x-personal"] == true)
        var checked = 0
        func visit(_ value: JSONValue, _ file: String) {
            switch value {
            case .object(let object):
                if case .object(let properties)? = object["properties"] {
                    for (name, definition) in properties where identifying.contains(name) {
                        let ref = definition["$ref"]?.stringValue ?? definition["items"]?["$ref"]?.stringValue ?? ""
                        let viaDefinition = personalDefinitions.contains { ref.hasSuffix("/$defs/\($0)") }
                        #expect(definition["x-personal"] == true || viaDefinition, "\(file): \(name) is not marked x-personal")
                        checked += 1
                    }
                }
                for (_, child) in object { visit(child, file) }
            case .array(let items): for item in items { visit(item, file) }
            default: break
            }
        }
        for file in try FileManager.default.subpathsOfDirectory(atPath: Self.schemas.path) where file.hasSuffix(".schema.json") {
            visit(try JSONValue(parsing: Array(try Data(contentsOf: Self.schemas.appendingPathComponent(file)))), file)
        }
        #expect(checked >= 20, "the walk found too few identifying properties to mean anything")
    }

    @Test func aBrokenCatalogueStopsTheLoadWithAReason() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cat-\(UUID())")
        try FileManager.default.copyItem(at: Self.schemas, to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("catalogue.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        let broken = text.replacingOccurrences(of: "\"from\": [", with: "\"from\": [\"martians\", ")
        try Data(broken.utf8).write(to: file)
        #expect { try MessageCatalogue(directory: dir) } throws: { "\($0)".contains("does not match catalogue.schema.json") }
    }

    /// The forms' Albanian words are part of the catalogue: an empty label or a missing file stops
    /// the load with the file's name, not a desk with English-only forms.
    @Test func brokenAlbanianWordsStopTheLoadWithAReason() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cat-\(UUID())")
        try FileManager.default.copyItem(at: Self.schemas, to: dir)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("words.sq.json")
        let loaded = try MessageCatalogue(directory: dir)
        #expect(loaded.words.fields["found_on"] != nil && loaded.words.values["child"] != nil)
        let text = try String(contentsOf: file, encoding: .utf8)
        try Data(text.replacingOccurrences(of: "\"found_on\": \"", with: "\"found_on\": \"\", \"x\": \"").utf8).write(to: file)
        #expect { try MessageCatalogue(directory: dir) } throws: { "\($0)".contains("words.sq.json does not match words.schema.json") }
        try FileManager.default.removeItem(at: file)
        #expect { try MessageCatalogue(directory: dir) } throws: { "\($0)".contains("cannot read \(file.path)") }
    }
}
