import Foundation
import UraTestSupport

/// Running the real binaries (urad, ura, curl, openssl) from tests.
package enum Processes {
    /// Where SwiftPM put the products: beside the test bundle.
    package static let products: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if FileManager.default.isExecutableFile(atPath: beside.appendingPathComponent("urad").path) { return beside }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../.build/debug").standardized
    }()

    package struct Result {
        package let status: Int32
        package let stdout: String
        package let stderr: String

        package init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    @discardableResult
    package static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], input: [UInt8]? = nil) throws -> Result {
        let path = executable.hasPrefix("/") ? executable : products.appendingPathComponent(executable).path
        let result = try ChildProcess.run(path, arguments, environment: environment, input: input)
        return Result(status: result.status, stdout: String(decoding: result.output, as: UTF8.self), stderr: String(decoding: result.errors, as: UTF8.self))
    }

    /// `run` on a thread of its own, for async tests: while the child runs, the test does not hold
    /// one of the few threads of Swift's cooperative pool (one per core), which the in-process
    /// servers of other tests (PushEndpoint, RefusingGateway) need to answer.
    package static func runOffPool(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           input: [UInt8]? = nil) async throws -> Result {
        try await offPool { try run(executable, arguments, environment: environment, input: input) }
    }

    /// Runs blocking `work` on a thread of its own and awaits its result.
    package static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await blocking(work)
    }
}

/// A running urad, started on port 0 and stopped with SIGTERM.
package final class RunningDaemon: @unchecked Sendable {
    package let process: ChildProcess
    package let port: Int
    /// The admin listener's port (`/metrics`), when urad printed one.
    package let adminPort: Int?

    package convenience init(dataDirectory: URL, environment: [String: String] = [:]) throws {
        try self.init(arguments: ["--data-dir", dataDirectory.path], environment: environment)
    }

    /// urad with `arguments` (for example `--config FILE`).
    package init(arguments: [String], environment: [String: String] = [:]) throws {
        process = try ChildProcess(Processes.products.appendingPathComponent("urad").path, arguments,
                                   environment: ["URA_LISTEN__PORT": "0", "URA_ADMIN__PORT": "0", "URA_LOG_LEVEL": "warning"].merging(environment) { $1 })
        // Read stdout until urad says where it listens.
        var seen = ""
        var found: Int?
        let handle = process.output
        while found == nil {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if let range = seen.range(of: "listening on https://127.0.0.1:") {
                let digits = seen[range.upperBound...].prefix { $0.isNumber }
                found = Int(digits)
            }
        }
        guard let found else {
            let status = process.wait()
            let stderr = String(decoding: process.errors.readDataToEndOfFile(), as: UTF8.self)
            throw DaemonStartError(output: seen + stderr + " (exit \(status))")
        }
        port = found
        adminPort = seen.range(of: "metrics) on http://127.0.0.1:").flatMap { Int(seen[$0.upperBound...].prefix { $0.isNumber }) }
        // Keep draining stdout and stderr so urad never blocks on a full pipe.
        ChildProcess.discard(handle)
        ChildProcess.discard(process.errors)
    }

    /// `init` off the cooperative pool (see `Scenario.start`): it blocks until urad listens.
    package static func start(arguments: [String], environment: [String: String] = [:]) async throws -> RunningDaemon {
        try await Processes.offPool { try RunningDaemon(arguments: arguments, environment: environment) }
    }

    package static func start(dataDirectory: URL, environment: [String: String] = [:]) async throws -> RunningDaemon {
        try await start(arguments: ["--data-dir", dataDirectory.path], environment: environment)
    }

    /// `stop` off the cooperative pool: it waits for urad to exit.
    package func stopOffPool() async {
        _ = try? await Processes.offPool { [self] in stop() }
    }

    package var url: String { "https://127.0.0.1:\(port)" }

    package func stop() {
        guard process.isRunning else { return }
        process.signal(SIGTERM)
        process.wait()
    }

    deinit { stop() }
}

struct DaemonStartError: Error, CustomStringConvertible {
    let output: String
    var description: String { "urad did not start: \(output)" }
}
