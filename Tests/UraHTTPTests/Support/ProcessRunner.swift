import Foundation

/// Result of a finished child process.
struct ProcessResult: Sendable {
    let status: Int32
    let standardOutput: [UInt8]
    let standardError: String

    var outputText: String { String(decoding: standardOutput, as: UTF8.self) }
}

/// Runs a program to completion (blocking; call it through `blocking`).
func runProcess(_ executable: String, _ arguments: [String], input: [UInt8]? = nil) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    let inputPipe = input.map { _ in Pipe() }
    process.standardInput = inputPipe ?? FileHandle.nullDevice
    try process.run()
    if let inputPipe, let input {
        inputPipe.fileHandleForWriting.write(Data(input))
        try inputPipe.fileHandleForWriting.close()
    }
    // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
    let errorData = Locked<Data>(Data())
    let errorReader = Thread { errorData.set(errors.fileHandleForReading.readDataToEndOfFile()) }
    errorReader.start()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return ProcessResult(status: process.terminationStatus, standardOutput: [UInt8](outputData),
                         standardError: String(decoding: errorData.value, as: UTF8.self))
}
