import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraDaemon
import UraTestTraits

/// The hints the demo prints work as printed: run against a demo gateway, with only the port the
/// test's gateway listens on (the demo's profiles name it; here `--gateway` does).
@Suite(.offThePool) struct DemoHintsTests {
    @Test(.timeLimit(.minutes(3))) func theDemoHintsWorkAsPrinted() async throws {
        let s = try await Scenario.start()
        let ura = Processes.products.appendingPathComponent("ura").path
        let port = try #require(URL(string: s.daemon.url)?.port)
        let hints = URADCommand.demoHints(ura: ura, data: s.data.path, port: port)
        #expect(hints.contains("ura=\"\(ura)\""), "the hints must name the ura beside urad: \(hints)")
        let lines = hints.split(separator: "\n").drop { !$0.hasPrefix("Try it") }.dropFirst().prefix { !$0.hasPrefix("Stop with") }
        let commands = lines.joined(separator: "\n").replacingOccurrences(of: "ura=\"\(ura)\";", with: "ura=ura_at_gateway;")
        let script = """
        set -euo pipefail
        cd "\(s.root.path)"
        ura_at_gateway() { "\(ura)" --gateway "\(s.daemon.url)" "$@"; }
        \(commands)
        """
        let result = try await Processes.runOffPool("/bin/bash", ["-c", script])
        #expect(result.status == 0, "exit \(result.status): \(result.stderr)")
        #expect(result.stdout.contains("accepted ") && result.stdout.contains("received ") && result.stdout.contains("delivered"))
        await s.close()
    }
}
