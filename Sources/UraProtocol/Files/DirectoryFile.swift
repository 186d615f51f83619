import Foundation
import UraModel

/// `directory.json`, the gateway's list of participants as a file (`UraModel.Directory`; schema
/// `Schemas/files/directory.schema.json`). Writes are atomic (temporary file, fsync, rename).
public enum DirectoryFile {
    public static func encode(_ directory: Directory) throws -> String { try JSONFile.encode(directory) }

    public static func read(_ url: URL) throws(FileError) -> Directory {
        try JSONFile.read(Directory.self, from: url, noun: "the directory")
    }

    /// Written whole under a temporary name, synced, renamed over the old file, and the folder
    /// synced (`DurableFile`, readable by all): after a crash the file is the old directory or the new one.
    public static func write(_ directory: Directory, to url: URL) throws(FileError) {
        try JSONFile.write(directory, to: url, mode: 0o644, replacing: true, noun: "the directory")
    }
}
