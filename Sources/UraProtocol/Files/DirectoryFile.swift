import Foundation
import UraBasics
import UraJSON
import UraModel

/// Reading and writing the directory file; writes are atomic (temporary file, fsync, rename).
public enum DirectoryFile {
    public static func encode(_ directory: Directory) throws -> String {
        try JSONValue(parsing: Array(JSONEncoder().encode(directory))).serializedString(options: .prettyPrinted) + "\n"
    }

    public static func read(_ url: URL) throws -> Directory {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw ModelError(field: "", reason: "cannot read the directory \(url.path): \(error.localizedDescription)")
        }
        do {
            return try JSONValueDecoder().decode(Directory.self, from: try JSONValue(parsing: Array(data)))
        } catch let error as JSONError {
            throw ModelError(field: "", reason: "\(url.path) is not valid JSON: \(error)")
        } catch {
            throw ModelError(field: "", reason: "\(url.path): \(ModelError.describe(error))")
        }
    }

    /// Written whole under a temporary name, synced, renamed over the old file, and the folder
    /// synced (`DurableFile`, readable by all): after a crash the file is the old directory or the new one.
    public static func write(_ directory: Directory, to url: URL) throws {
        do { try DurableFile.write(Array(try encode(directory).utf8), to: url, mode: 0o644) } catch let error as DurableFileError {
            throw ModelError(field: "", reason: error.message)
        }
    }
}
