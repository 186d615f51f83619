import Foundation
import Testing
import UraJSON
@testable import UraGateway

@Suite struct ConfigurationDocumentTests {
    let defaults: JSONValue = ["data_dir": "/var/lib/ura", "listen": ["host": "0.0.0.0", "port": 8443], "log_level": "info"]

    func file(_ text: String) throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("urad-\(UUID()).json")
        try Data(text.utf8).write(to: url)
        return url
    }

    @Test func fileOverridesDefaultsKeyByKeyAndCommentsAreIgnored() throws {
        var document = ConfigurationDocument(defaults: defaults)
        let url = try file(##"{"#": "a comment", "listen": {"port": 9443, "#port": "explained"}}"##)
        defer { try? FileManager.default.removeItem(at: url) }
        try document.overlay(file: url)
        #expect(document.value["listen"] == ["host": "0.0.0.0", "port": 9443])
        #expect(document.value["data_dir"] == "/var/lib/ura")
    }

    @Test func environmentOverridesWithDoubleUnderscoreForSections() throws {
        var document = ConfigurationDocument(defaults: defaults)
        try document.overlay(environment: ["URA_LISTEN__PORT": "10443", "URA_DATA_DIR": "/srv/ura", "HOME": "/root"])
        #expect(document.value["listen"]?["port"] == 10443)
        #expect(document.value["data_dir"] == "/srv/ura")
    }

    @Test func unknownOptionsAreNamedWithASuggestion() throws {
        var document = ConfigurationDocument(defaults: defaults)
        let url = try file(#"{"listen": {"prot": 1}}"#)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect { try document.overlay(file: url) } throws: {
            "\($0)" == "listen.prot: is not a known option; did you mean 'port'?"
        }
        #expect { try document.overlay(environment: ["URA_LOG_LEVLE": "debug"]) } throws: {
            "\($0)".contains("log_levle: (from URA_LOG_LEVLE) is not a known option; did you mean 'log_level'?")
        }
    }

    @Test func variablesOfOtherPartsAreNotTakenForOptions() throws {
        // CI exports URA_VECTORS for the test suites; urad started by a test inherits it.
        var document = ConfigurationDocument(defaults: defaults)
        try document.overlay(environment: ["URA_VECTORS": "/work/shared/vectors", "URA_SCHEMAS": "/srv/schemas",
                                           "URA_PROFILE": "/etc/ura/profile.json", "URA_TEST_ANYTHING": "1"])
        #expect(document.value == ConfigurationDocument(defaults: defaults).value)
    }

    @Test func brokenFilesSayWhere() throws {
        var document = ConfigurationDocument(defaults: defaults)
        let url = try file(#"{"listen": }"#)
        defer { try? FileManager.default.removeItem(at: url) }
        #expect { try document.overlay(file: url) } throws: { "\($0)".contains("is not valid JSON") }
        #expect { try document.overlay(file: URL(fileURLWithPath: "/nonexistent/urad.json")) } throws: {
            "\($0)".contains("cannot read /nonexistent/urad.json")
        }
    }
}
