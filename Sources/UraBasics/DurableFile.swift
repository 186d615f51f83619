import Foundation

/// Writing a file that must outlast a crash and that only its owner may read (a received message,
/// a message kept in the outbox): created 0600 from the start under a fresh temporary name
/// (O_EXCL), written in full, synced, renamed into place and its folder synced, so the file is
/// either whole and on disk or absent. Removing one syncs its folder too.
public enum DurableFile {
    /// `mode`: 0600 unless the file is public (the directory).
    public static func write(_ bytes: [UInt8], to url: URL, mode: mode_t = 0o600) throws(DurableFileError) {
        try place(bytes, at: url, mode: mode, verb: "write") { rename($0, $1) }
    }

    /// As `write`, but never replaces a file: the synced temporary file is linked to `url`, which
    /// fails when `url` exists (a keys.json, a certificate that must not be overwritten).
    public static func create(_ bytes: [UInt8], at url: URL, mode: mode_t = 0o600) throws(DurableFileError) {
        try place(bytes, at: url, mode: mode, verb: "create") { link($0, $1) }
    }

    /// Writes `bytes` whole to a fresh temporary file beside `url`, syncs it, `moves` it to `url`
    /// (rename or link), removes the temporary name and syncs the folder.
    private static func place(_ bytes: [UInt8], at url: URL, mode: mode_t, verb: String,
                              moves: (String, String) -> Int32) throws(DurableFileError) {
        let folder = url.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
        let fd = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else { throw failure(verb, url, errno) }
        var problem = writeAll(fd, bytes)
        if problem == nil, fsync(fd) != 0 { problem = errno }
        if close(fd) != 0, problem == nil { problem = errno }
        if problem == nil, moves(temporary.path, url.path) != 0 { problem = errno }
        unlink(temporary.path)
        if let problem { throw failure(verb, url, problem) }
        try syncFolder(folder, for: url, verb)
    }

    /// Removes `url` (already gone is fine) and syncs its folder, so that it stays removed after a crash.
    public static func remove(_ url: URL) throws(DurableFileError) {
        if unlink(url.path) != 0, errno != ENOENT { throw failure("remove", url, errno) }
        try syncFolder(url.deletingLastPathComponent(), for: url, "remove")
    }

    /// Creates `folder` and any missing folder above it (each `mode`), then syncs the parent of
    /// each folder it created: a new folder is a name in its parent, and a file kept in it (synced,
    /// its folder synced) would vanish with the folder after a power loss if that name were not on
    /// disk too. A folder that exists already is left as it is.
    public static func createFolder(_ folder: URL, mode: mode_t = 0o700) throws(DurableFileError) {
        var missing: [URL] = []
        var probe = folder.standardizedFileURL
        while probe.path != "/", access(probe.path, F_OK) != 0 {
            missing.append(probe)
            probe = probe.deletingLastPathComponent()
        }
        for created in missing.reversed() {
            if mkdir(created.path, mode) != 0, errno != EEXIST { throw failure("create", created, errno) }
            try syncFolder(created.deletingLastPathComponent(), for: created, "create")
        }
    }

    /// Syncs `folder`, so that names created, renamed or removed in it outlast a crash; an error
    /// names `url` (what was written or removed) and the `verb`.
    public static func syncFolder(_ folder: URL, for url: URL, _ verb: String) throws(DurableFileError) {
        let directory = open(folder.path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard directory >= 0 else { throw failure(verb, url, errno) }
        defer { close(directory) }
        guard fsync(directory) == 0 else { throw failure(verb, url, errno) }
    }

    /// Writes every byte to `fd`, again after an interruption; the errno of a failure, or nil.
    public static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += written
        }
        return nil
    }

    private static func failure(_ verb: String, _ url: URL, _ code: Int32) -> DurableFileError {
        DurableFileError(message: "cannot \(verb) \(url.path): \(String(cString: strerror(code)))")
    }
}

/// A durable write or removal that failed: a sentence naming the file and the system's reason.
public struct DurableFileError: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
