import Foundation
import UraBasics
#if canImport(Glibc)
import Glibc
#endif

/// Private key files: created with mode 0600 in the same `open(2)` (never chmod-ed afterwards, so
/// there is no moment when another user could read them), never overwritten.
enum PrivateKeyFile {
    static func write(_ pem: String, to path: String) throws(CryptoError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "it already exists" : String(cString: strerror(errno))
            throw CryptoError.invalidInput("cannot create the key file \(path): \(reason)")
        }
        defer { close(fd) }
        if let problem = DurableFile.writeAll(fd, Array(pem.utf8)) {
            throw CryptoError.invalidInput("cannot write the key file \(path): \(String(cString: strerror(problem)))")
        }
        guard fsync(fd) == 0 else { throw CryptoError.invalidInput("cannot sync the key file \(path)") }
    }

    static func read(_ path: String) throws(CryptoError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CryptoError.invalidInput("cannot read the key file \(path)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
