import Foundation
import Glibc
import UraHTTPCore
import UraProtocol
#if canImport(Glibc)
#endif

/// urad's claim on its data directory: an exclusive `flock` on `run/urad.lock`, which holds its
/// pid. A second urad on the same directory cannot take it and stops before touching anything;
/// `ura admin enrol --reload` finds the running urad through it. The kernel drops the lock when
/// the process ends, however it ends, so a file left behind never blocks a start or names a
/// process that is gone.
public final class DataDirectoryLock: Sendable {
    /// `run/urad.lock` in the data directory.
    public let file: URL
    private let fd: Int32

    private init(file: URL, fd: Int32) {
        self.file = file
        self.fd = fd
    }

    deinit { close(fd) }

    /// The lock file of `dataDirectory`.
    public static func file(in dataDirectory: URL) -> URL { dataDirectory.appendingPathComponent("run/urad.lock") }

    /// Takes the lock of `dataDirectory` (creating `run/`, 0700, and the file, 0600) and writes
    /// this process's pid into it. When another process holds it, fails at once with a sentence
    /// naming that process, having changed nothing. `createDirectory`: create the data directory
    /// itself if missing (demo mode), else its absence is the error.
    public static func acquire(in dataDirectory: URL, createDirectory: Bool = false) throws(SetupError) -> DataDirectoryLock {
        let file = file(in: dataDirectory)
        if createDirectory && mkdir(dataDirectory.path, 0o700) != 0 && errno != EEXIST {
            throw SetupError("cannot create the data directory \(dataDirectory.path): \(Self.errorText())")
        }
        var status = stat()
        guard stat(dataDirectory.path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw SetupError("the data directory \(dataDirectory.path) does not exist; create it for the user urad runs as, or set data_dir")
        }
        let run = file.deletingLastPathComponent().path
        if mkdir(run, 0o700) != 0 && errno != EEXIST {
            throw SetupError("cannot create \(run): \(Self.errorText())")
        }
        // No O_TRUNC: the file may be another urad's, whose pid must stay until we hold the lock.
        let fd = open(file.path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SetupError("cannot open the lock file \(file.path): \(Self.errorText())") }
        // A few tries: `ura admin enrol --reload` tests the lock by holding it shared for an
        // instant, which must not stop a urad starting at that moment. A running urad holds it
        // for good, so it still wins.
        var locked = flock(fd, LOCK_EX | LOCK_NB) == 0
        for _ in 0..<5 where !locked && errno == EWOULDBLOCK {
            usleep(20_000)
            locked = flock(fd, LOCK_EX | LOCK_NB) == 0
        }
        guard locked else {
            let failure = errno
            let holder = Self.pid(in: fd)
            close(fd)
            guard failure == EWOULDBLOCK else {
                throw SetupError("cannot lock \(file.path): \(String(cString: strerror(failure)))")
            }
            let who = holder.map { "another urad (pid \($0))" } ?? "another urad (its pid is not written yet)"
            throw SetupError("\(who) already runs on the data directory \(dataDirectory.path): it holds \(file.path); stop it first, or give this one another data_dir")
        }
        let pid = Array("\(getpid())\n".utf8)
        guard ftruncate(fd, 0) == 0, pwrite(fd, pid, pid.count, 0) == pid.count else {
            let reason = Self.errorText()
            close(fd)
            throw SetupError("cannot write the pid into \(file.path): \(reason)")
        }
        return DataDirectoryLock(file: file, fd: fd)
    }

    /// The pid of the urad that holds the lock of `dataDirectory`; nil when nobody holds it (urad
    /// does not run, or it was killed: the kernel released its lock). Takes a shared lock for an
    /// instant to find out, and creates nothing.
    public static func holder(of dataDirectory: URL) throws(SetupError) -> pid_t? {
        let file = file(in: dataDirectory)
        let fd = open(file.path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            if errno == ENOENT { return nil }
            throw SetupError("cannot open the lock file \(file.path): \(Self.errorText()); run this as the user urad runs as")
        }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            _ = flock(fd, LOCK_UN)
            return nil
        }
        guard errno == EWOULDBLOCK else { throw SetupError("cannot test the lock \(file.path): \(Self.errorText())") }
        guard let pid = pid(in: fd) else {
            throw SetupError("urad holds \(file.path) but its pid is not written yet; try again")
        }
        return pid
    }

    /// The pid written in the lock file, if it holds one.
    private static func pid(in fd: Int32) -> pid_t? {
        var bytes = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &bytes, bytes.count, 0)
        guard count > 0 else { return nil }
        let text = String(decoding: bytes.prefix(count), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard let pid = pid_t(text), pid > 0 else { return nil }
        return pid
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
