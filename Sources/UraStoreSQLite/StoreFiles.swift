#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import UraStore

/// The store's files — the database and SQLite's `-wal` and `-shm` beside it — hold every
/// message's metadata and body, so only their owner may read them: the database is created 0600
/// before SQLite opens it (SQLite gives the `-wal` and `-shm` the database's mode), and a file
/// others can read or write is refused at open, as urad refuses such a private key.
enum StoreFiles {
    static let suffixes = ["", "-wal", "-shm"]

    /// Creates an empty database file with mode 0600 when there is none (SQLite takes an empty
    /// file for a new database), then checks the mode of each of the store's files that exists.
    static func prepare(_ path: String) throws(StoreError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if fd >= 0 {
            close(fd)
        } else if errno != EEXIST {
            throw StoreError.unavailable("cannot create the database \(path): \(String(cString: strerror(errno)))")
        }
        try check(path)
    }

    /// Refuses a store file that anyone but its owner may read or write.
    static func check(_ path: String) throws(StoreError) {
        for file in suffixes.map({ path + $0 }) {
            var status = stat()
            guard stat(file, &status) == 0 else { continue }
            let mode = status.st_mode & 0o777
            guard mode & 0o077 == 0 else {
                let files = suffixes.map { path + $0 }.joined(separator: " ")
                throw StoreError.unavailable("the store file \(file) can be read or written by others (mode \(String(mode, radix: 8))); "
                                             + "it holds every message: run chmod 600 \(files)")
            }
        }
    }
}
