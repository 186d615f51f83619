import Foundation
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraTestSupport

/// Result of a finished child process.
struct ProcessResult: Sendable {
    let status: Int32
    let standardOutput: [UInt8]
    let standardError: String

    var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
}

/// Runs a program to completion (blocking; call it through `blocking`).
func runProcess(_ executable: String, _ arguments: [String], input: [UInt8]? = nil) throws -> ProcessResult {
    let result = try ChildProcess.run(executable, arguments, input: input)
    return ProcessResult(status: result.status, standardOutput: result.output, standardError: String(decoding: result.errors, as: UTF8.self))
}
