import UraTestSupport

/// Result of a finished child process.
public struct ProcessResult: Sendable {
    public let status: Int32
    public let standardOutput: [UInt8]
    public let standardError: String

    public var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
}

/// Runs a program to completion (blocking; call it through `blocking`).
public func runProcess(_ executable: String, _ arguments: [String], input: [UInt8]? = nil) throws -> ProcessResult {
    let result = try ChildProcess.run(executable, arguments, input: input)
    return ProcessResult(status: result.status, standardOutput: result.output, standardError: String(decoding: result.errors, as: UTF8.self))
}
