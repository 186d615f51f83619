/// Why one of Ura's files (keys.json, a profile, the directory) cannot be read or written: a
/// sentence naming the file and what is wrong with it, and a kind that a command line maps to its
/// exit code.
public struct FileError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The file does not exist.
        case missing
        /// The file exists but cannot be read.
        case unreadable
        /// The file is not JSON, or not the format it should be.
        case invalid
        /// The file cannot be written (or exists already where it must not be replaced).
        case unwritable
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
