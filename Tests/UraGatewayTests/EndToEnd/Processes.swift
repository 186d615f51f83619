import Foundation

/// Running the real binaries (urad, ura, curl, openssl) from tests.
enum Processes {
    /// Where SwiftPM put the products: beside the test bundle.
    static let products: URL = {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        if FileManager.default.isExecutableFile(atPath: beside.appendingPathComponent("urad").path) { return beside }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../.build/debug").standardized
    }()

    struct Result {
        let status: Int32
        let stdout: String
        let stderr: String
    }

    @discardableResult
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:], input: [UInt8]? = nil) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : products.appendingPathComponent(executable).path)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe(), inp = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inp
        try process.run()
        if let input { inp.fileHandleForWriting.write(Data(input)) }
        try inp.fileHandleForWriting.close()
        let stdoutData = out.fileHandleForReading.readDataToEndOfFile()
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self),
                      stderr: String(decoding: stderrData, as: UTF8.self))
    }
}

/// A running urad, started on port 0 and stopped with SIGTERM.
final class RunningDaemon: @unchecked Sendable {
    let process = Process()
    let port: Int
    /// The admin listener's port (`/metrics`), when urad printed one.
    let adminPort: Int?
    private let output = Pipe()
    private let errors = Pipe()

    init(dataDirectory: URL, environment: [String: String] = [:]) throws {
        process.executableURL = Processes.products.appendingPathComponent("urad")
        process.arguments = ["--data-dir", dataDirectory.path]
        process.environment = ProcessInfo.processInfo.environment.merging(["URA_LISTEN__PORT": "0", "URA_ADMIN__PORT": "0", "URA_LOG_LEVEL": "warning"]) { $1 }
            .merging(environment) { $1 }
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read stdout until urad says where it listens.
        var seen = ""
        var found: Int?
        let handle = output.fileHandleForReading
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
            process.waitUntilExit()
            let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            throw DaemonStartError(output: seen + stderr + " (exit \(process.terminationStatus))")
        }
        port = found
        adminPort = seen.range(of: "metrics) on http://127.0.0.1:").flatMap { Int(seen[$0.upperBound...].prefix { $0.isNumber }) }
        // Keep draining stdout and stderr so urad never blocks on a full pipe.
        handle.readabilityHandler = { $0.availableData.isEmpty ? ($0.readabilityHandler = nil) : () }
        errors.fileHandleForReading.readabilityHandler = { $0.availableData.isEmpty ? ($0.readabilityHandler = nil) : () }
    }

    var url: String { "https://127.0.0.1:\(port)" }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    deinit { stop() }
}

struct DaemonStartError: Error, CustomStringConvertible {
    let output: String
    var description: String { "urad did not start: \(output)" }
}
