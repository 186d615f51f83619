import Foundation

/// Reading a file the person named (a form, a key, a directory): its bytes, or a sentence and
/// whether it is missing (`noInput`) or unreadable (`ioError`).
public enum LocalFile {
    public static func read(_ path: String) throws(ClientError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ClientError("cannot read \(path)", FileManager.default.fileExists(atPath: path) ? .ioError : .noInput)
        }
        return Array(data)
    }
}
