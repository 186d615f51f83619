import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestTraits

@Suite(.offThePool) struct ConfigurationDocumentTests {
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

    /// deploy/urad.example.json loads, sets every option there is, and explains each section.
    @Test func theExampleConfigurationCoversEveryOption() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy/urad.example.json").standardized
        let configuration = try GatewayConfiguration.load(file: example, environment: [:])
        #expect(configuration.listenPort == 8443 && configuration.dataDirectory.path == "/var/lib/ura")
        let written = try JSONValue(parsing: Array(try Data(contentsOf: example)))
        func check(_ defaults: JSONValue, _ file: JSONValue?, _ path: String) {
            guard case .object(let options) = defaults else { return }
            for (key, value) in options {
                let option = path.isEmpty ? key : "\(path).\(key)"
                #expect(file?[key] != nil, "deploy/urad.example.json lacks \(option)")
                if case .object = value {
                    #expect(file?[key]?["#"] != nil, "deploy/urad.example.json does not explain the section \(option)")
                    check(value, file?[key], option)
                } else if path.isEmpty {
                    #expect(file?["#\(key)"] != nil, "deploy/urad.example.json does not explain \(option)")
                }
            }
        }
        check(GatewayConfiguration.defaults, written, "")
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
