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

/// A value set from another thread; `value` waits until it is.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSCondition()
    private var stored: Value
    private var wasSet = false

    init(_ value: Value) { stored = value }

    func set(_ value: Value) {
        lock.lock()
        stored = value
        wasSet = true
        lock.broadcast()
        lock.unlock()
    }

    /// Whether `set` was called (does not wait).
    var isSet: Bool {
        lock.lock()
        defer { lock.unlock() }
        return wasSet
    }

    /// The value once `set` was called (waits for it).
    var value: Value {
        lock.lock()
        while !wasSet { lock.wait() }
        defer { lock.unlock() }
        return stored
    }
}
