import Foundation
import Testing
import UraGatewayTestSupport
import UraTestTraits

/// The README's tour, run as printed against a demo gateway: only `ura`'s path, the data folder and
/// the port are those of the test's gateway.
@Suite(.offThePool) struct ReadmeTourTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../README.md").standardized

    @Test(.timeLimit(.minutes(3))) func theTourWorksAsPrinted() async throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let start = try #require(text.range(of: "## A short tour"))
        let block = try #require(text[start.upperBound...].range(of: "```sh\n"))
        let end = try #require(text[block.upperBound...].range(of: "```"))
        var tour = String(text[block.upperBound..<end.lowerBound])
        #expect(tour.hasPrefix("ura=\"$(swift build --show-bin-path)/ura\"; a=ura-data/agencies\n"))
        tour = tour.replacingOccurrences(of: "ura=\"$(swift build --show-bin-path)/ura\"; a=ura-data/agencies",
                                         with: "ura=ura_at_gateway; a=ura-data/agencies")
            .replacingOccurrences(of: "https://127.0.0.1:8443", with: "$GATEWAY")
        let s = try await Scenario.start()
        try FileManager.default.createSymbolicLink(at: s.root.appendingPathComponent("ura-data"), withDestinationURL: s.data)
        let script = """
        set -euo pipefail
        cd "\(s.root.path)"
        GATEWAY="\(s.daemon.url)"
        ura_at_gateway() { "\(Processes.products.appendingPathComponent("ura").path)" --gateway "$GATEWAY" "$@"; }
        \(tour)
        """
        let result = try await Processes.runOffPool("/bin/bash", ["-c", script])
        #expect(result.status == 0, "exit \(result.status): \(result.stderr)")
        #expect(result.stdout.contains("accepted ") && result.stdout.contains("received ") && result.stdout.contains("delivered"), "\(result.stdout)")
        #expect(!result.stdout.contains("Klodiana"), "the form reached the terminal")
        await s.close()
    }
}
