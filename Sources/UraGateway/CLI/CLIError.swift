/// Why a `ura` command failed: a sentence for the person at the terminal and the exit code.
public struct CLIError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public let code: ExitCode

    public init(_ message: String, _ code: ExitCode) {
        self.message = message
        self.code = code
    }

    public var description: String { message }
}
