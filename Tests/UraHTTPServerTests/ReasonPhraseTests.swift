import Foundation
import Testing
@testable import UraHTTPCore

/// Every status the project answers with has its reason phrase on the status line (people read
/// them in logs and in `curl -i`): found by scanning the sources for `status: NNN`.
@Suite struct ReasonPhraseTests {
    @Test func everyStatusTheSourcesAnswerWithHasItsPhrase() throws {
        let sources = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Sources").standardized
        let files = try #require(FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil))
        let pattern = try Regex(#"status: ([1-5][0-9][0-9])\b"#)
        var statuses = Set<Int>()
        for case let url as URL in files where url.pathExtension == "swift" {
            let text = try String(contentsOf: url, encoding: .utf8)
            for match in text.matches(of: pattern) {
                if let code = Int(String(text[match.output[1].range!])) { statuses.insert(code) }
            }
        }
        #expect(statuses.contains(303) && statuses.count > 5, "the scan found \(statuses.sorted())")
        for status in statuses.sorted() {
            #expect(!HTTPStatus.reasonPhrase(status).hasPrefix("Status "), "\(status) has no reason phrase")
        }
    }
}
