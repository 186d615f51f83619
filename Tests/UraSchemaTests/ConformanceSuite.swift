import Foundation
import UraJSON
@testable import UraSchema

/// Runs the official JSON-Schema-Test-Suite (draft 2020-12) against UraSchema: reads the vectors,
/// registers `remotes/` under http://localhost:1234/, compiles each case's schema and checks every
/// test with both `validate` and `isValid`.
struct ConformanceSuite: Sendable {
    struct Failure: Sendable, CustomStringConvertible {
        let file: String
        let group: String
        let test: String
        let detail: String
        var description: String { "\(file) / \(group) / \(test)\(detail.isEmpty ? "" : " — " + detail)" }
    }

    struct Outcome: Sendable {
        var passed = 0
        var total = 0
        var failures: [Failure] = []
        var percentage: Double { total == 0 ? 0 : Double(passed) * 100 / Double(total) }
        var figure: String { "\(passed)/\(total) passed (\(String(format: "%.1f", percentage))%)" }

        mutating func add(_ other: Outcome) {
            passed += other.passed
            total += other.total
            failures += other.failures
        }
    }

    static let earlierDrafts = ["draft3/", "draft4/", "draft6/", "draft7/", "draft2019-09/"]

    let vectors: URL
    let registry: SchemaRegistry
    /// Remote documents that could not be registered (file and reason).
    let unregisteredRemotes: [String]

    /// `$URA_VECTORS`, else `<package root>/../shared/vectors`.
    static var vectorsDirectory: URL {
        if let path = ProcessInfo.processInfo.environment["URA_VECTORS"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/vectors")
    }

    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    var testsDirectory: URL { vectors.appendingPathComponent("json-schema-test-suite/tests/draft2020-12") }

    init(vectors: URL) throws {
        self.vectors = vectors
        var registry = SchemaRegistry()
        var unregistered: [String] = []
        let remotes = vectors.appendingPathComponent("json-schema-test-suite/remotes")
        for file in try ConformanceSuite.jsonFiles(under: remotes) {
            let relative = String(file.path.dropFirst(remotes.path.count + 1))
            // Documents of earlier drafts use `$id: "#name"` as anchors, which 2020-12 forbids;
            // no draft 2020-12 test refers to them.
            if ConformanceSuite.earlierDrafts.contains(where: { relative.hasPrefix($0) }) { continue }
            do {
                let document = try JSONValue(parsing: try Data(contentsOf: file))
                try registry.add(document, retrievalURI: "http://localhost:1234/" + relative)
            } catch {
                unregistered.append("\(relative): \(error)")
            }
        }
        self.registry = registry
        self.unregisteredRemotes = unregistered
    }

    static func jsonFiles(under directory: URL) throws -> [URL] {
        guard let enumerator = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: nil) else { return [] }
        return enumerator.compactMap { $0 as? URL }.filter { $0.pathExtension == "json" }
            .sorted { $0.path < $1.path }
    }

    /// The non-optional test files, by name ("ref.json").
    func requiredFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: testsDirectory.path).filter { $0.hasSuffix(".json") }.sorted()
    }

    /// Runs one test file (path relative to the draft2020-12 directory).
    func run(_ file: String, formatAssertion: Bool) throws -> Outcome {
        let groups = try JSONValue(parsing: try Data(contentsOf: testsDirectory.appendingPathComponent(file)))
        var outcome = Outcome()
        let options = ValidatorOptions(formatAssertion: formatAssertion)
        for group in groups.arrayValue ?? [] {
            let groupName = group["description"]?.stringValue ?? "?"
            let tests = group["tests"]?.arrayValue ?? []
            var registry = self.registry
            let validator: Validator
            do {
                let uri = try registry.add(group["schema"] ?? .null)
                validator = try registry.compile(uri, options: options)
            } catch {
                outcome.total += tests.count
                for test in tests {
                    outcome.failures.append(Failure(file: file, group: groupName, test: test["description"]?.stringValue ?? "?",
                                                    detail: "schema rejected: \(error)"))
                }
                continue
            }
            for test in tests {
                outcome.total += 1
                let data = test["data"] ?? .null
                let expected = test["valid"]?.boolValue ?? false
                let errors = validator.validate(data)
                let fast = validator.isValid(data)
                if errors.isEmpty == expected && fast == expected {
                    outcome.passed += 1
                } else {
                    let detail = "expected \(expected ? "valid" : "invalid"), validate gave \(errors.isEmpty ? "valid" : "invalid: \(errors.first!)"), isValid gave \(fast)"
                    outcome.failures.append(Failure(file: file, group: groupName, test: test["description"]?.stringValue ?? "?", detail: detail))
                }
            }
        }
        return outcome
    }

    // MARK: - Keywords the project's schemas use

    /// The suite files that cover the keywords used by the schemas under `directory` (walked as
    /// schemas: property names under `properties` are not keywords).
    static func suiteFiles(forKeywordsIn directory: URL, available: Set<String>) throws -> [String: Set<String>] {
        var keywords: Set<String> = []
        var usesBooleanSchemas = false
        func walk(_ value: JSONValue) {
            switch value {
            case .bool: usesBooleanSchemas = true
            case .object(let object):
                for key in object.keys {
                    keywords.insert(key)
                    let member = object[key]!
                    if SchemaRegistry.singleSchemaKeywords.contains(key) {
                        walk(member)
                    } else if SchemaRegistry.schemaArrayKeywords.contains(key), case .array(let elements) = member {
                        elements.forEach(walk)
                    } else if SchemaRegistry.schemaMapKeywords.contains(key), case .object(let map) = member {
                        map.keys.forEach { walk(map[$0]!) }
                    }
                }
            default: break
            }
        }
        for file in try jsonFiles(under: directory) {
            guard let document = try? JSONValue(parsing: try Data(contentsOf: file)),
                  case .object(let root) = document, root["$schema"] != nil || root["$id"] != nil else { continue }
            walk(document)
        }
        var files: [String: Set<String>] = [:]   // suite file → keywords that need it
        func need(_ file: String, _ keyword: String) {
            if available.contains(file) { files[file, default: []].insert(keyword) }
        }
        for keyword in keywords {
            switch keyword {
            case "$ref": need("ref.json", keyword); need("refRemote.json", keyword)
            case "$defs": need("defs.json", keyword)
            case "$anchor": need("anchor.json", keyword)
            case "$dynamicRef", "$dynamicAnchor": need("dynamicRef.json", keyword)
            case "$vocabulary": need("vocabulary.json", keyword)
            case "if", "then", "else": need("if-then-else.json", keyword)
            default: need(keyword + ".json", keyword)
            }
        }
        if usesBooleanSchemas { need("boolean_schema.json", "true/false schemas") }
        return files
    }
}
