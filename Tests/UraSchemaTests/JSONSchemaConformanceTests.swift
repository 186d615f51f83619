import Foundation
import Testing
import UraTestTraits

/// The official JSON-Schema-Test-Suite, draft 2020-12. CI runs these with
/// `swift test --filter Conformance` and shows the `CONFORMANCE` lines.
@Suite(.offThePool) struct JSONSchemaConformanceTests {
    static let prefix = "CONFORMANCE json-schema-test-suite draft2020-12"
    /// The formats Ura's schemas rely on; their optional files run with assertion on.
    static let assertedFormats = ["date-time", "date", "email", "uuid"]

    private func loadSuite() throws -> ConformanceSuite {
        let vectors = ConformanceSuite.vectorsDirectory
        try #require(FileManager.default.fileExists(atPath: vectors.appendingPathComponent("json-schema-test-suite/tests/draft2020-12").path),
                     "the JSON Schema test suite is not at \(vectors.path)/json-schema-test-suite; put shared/ beside the package or set URA_VECTORS")
        let suite = try ConformanceSuite(vectors: vectors)
        #expect(suite.unregisteredRemotes.isEmpty, "remotes that could not be registered: \(suite.unregisteredRemotes)")
        return suite
    }

    @Test func requiredTestsPassAndKeywordsUsedBySchemasPassCompletely() throws {
        let suite = try loadSuite()
        var overall = ConformanceSuite.Outcome()
        var perFile: [String: ConformanceSuite.Outcome] = [:]
        for file in try suite.requiredFiles() {
            let outcome = try suite.run(file, formatAssertion: false)
            perFile[file] = outcome
            overall.add(outcome)
        }
        print("\(Self.prefix): \(overall.figure) in \(perFile.count) files")
        for failure in overall.failures {
            print("\(Self.prefix) failed: \(failure)")
        }
        #expect(overall.total > 1000, "the suite looks incomplete: only \(overall.total) tests")
        #expect(overall.percentage >= 95, "conformance fell below 95%: \(overall.figure)")

        let schemas = ConformanceSuite.packageRoot.appendingPathComponent("Schemas")
        guard FileManager.default.fileExists(atPath: schemas.path) else {
            print("\(Self.prefix) keywords used by Schemas/: no Schemas/ directory, only the 95% floor applies")
            return
        }
        let needed = try ConformanceSuite.suiteFiles(forKeywordsIn: schemas, available: Set(perFile.keys))
        for file in needed.keys.sorted() {
            let outcome = perFile[file]!
            let keywords = needed[file]!.sorted().joined(separator: ", ")
            print("\(Self.prefix) keywords used by Schemas/: \(file) (\(keywords)) \(outcome.figure)")
            #expect(outcome.passed == outcome.total,
                    "Schemas/ uses \(keywords), so \(file) must pass completely: \(outcome.failures.map(\.description))")
        }
    }

    @Test func assertedFormatsPassTheirOptionalTests() throws {
        let suite = try loadSuite()
        var figures: [String] = []
        for format in Self.assertedFormats {
            let outcome = try suite.run("optional/format/\(format).json", formatAssertion: true)
            figures.append("\(format) \(outcome.figure)")
            for failure in outcome.failures { print("\(Self.prefix) optional format failed: \(failure)") }
            #expect(outcome.passed == outcome.total, "format \(format) with assertion on: \(outcome.failures.map(\.description))")
        }
        print("\(Self.prefix) optional/format with formatAssertion: " + figures.joined(separator: ", "))
    }

    /// The rest of `optional/` is reported, not required: bignums, full ECMA-262 regexes and
    /// formats Ura does not assert are outside what the gateway needs.
    @Test func optionalTestsAreReported() throws {
        let suite = try loadSuite()
        let optional = suite.testsDirectory.appendingPathComponent("optional")
        var figures: [String] = []
        var overall = ConformanceSuite.Outcome()
        for url in try ConformanceSuite.jsonFiles(under: optional) {
            let file = String(url.path.dropFirst(suite.testsDirectory.path.count + 1))
            let name = url.deletingPathExtension().lastPathComponent
            if file.hasPrefix("optional/format/") && Self.assertedFormats.contains(name) { continue }
            let outcome = try suite.run(file, formatAssertion: file.hasPrefix("optional/format/"))
            overall.add(outcome)
            figures.append("\(file.dropFirst("optional/".count)) \(outcome.passed)/\(outcome.total)")
        }
        print("\(Self.prefix) other optional tests (informational): \(overall.figure): " + figures.joined(separator: ", "))
        #expect(overall.total > 0)
    }
}
