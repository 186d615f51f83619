import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn, for tests that run the real binaries (urad, ura,
/// curl, openssl, ura-testkit).
///
/// Not Foundation's `Process`: on Linux, Swift 6.3.1's `Process.run()` scans /proc/self/fd with a
/// 256-byte over-read of each `dirent` (swift-corelibs-foundation PR #5472) and crashes a test run
/// now and then with SIGSEGV — more often the more descriptors the tests hold open. Here the pipes
/// are made close-on-exec and only the child's 0, 1 and 2 survive the exec (closefrom 3): a
/// descriptor a child inherited — a test client's socket — stayed open as long as the child lived,
/// and the server never saw the client go. `pipe2` is not visible from Swift, so pipe + FD_CLOEXEC and the
/// spawn happen under one lock: no other test's child can be spawned between them and inherit a pipe.
public final class ChildProcess: @unchecked Sendable {
    public let pid: pid_t
    /// Write end of the child's standard input (nil when it reads /dev/null).
    public let input: FileHandle?
    public let output: FileHandle
    public let errors: FileHandle
    private let status = NSLock()
    private static let spawning = NSLock()
    private var exit: Int32?

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34), which Swift's Glibc module does not show.
    private static let addCloseFrom: @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32 = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else {
            fatalError("this glibc has no posix_spawn_file_actions_addclosefrom_np (2.34 or later is needed)")
        }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Starts `executable` with `arguments`; the environment is this process's, overlaid with `environment`.
    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], withInput: Bool = false) throws {
        Self.spawning.lock()
        defer { Self.spawning.unlock() }
        func pipePair() throws -> (read: Int32, write: Int32) {
            var fds: [Int32] = [0, 0]
            guard pipe(&fds) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
            _ = fcntl(fds[0], F_SETFD, FD_CLOEXEC)
            _ = fcntl(fds[1], F_SETFD, FD_CLOEXEC)
            return (fds[0], fds[1])
        }
        let stdinPipe = withInput ? try pipePair() : nil
        let stdoutPipe = try pipePair(), stderrPipe = try pipePair()
        let devNull = withInput ? -1 : open("/dev/null", O_RDONLY | O_CLOEXEC)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe?.read ?? devNull, 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe.write, 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe.write, 2)
        // Nothing else of this process reaches the child, close-on-exec or not (curl's resolver
        // socketpairs are not): a descriptor a child inherits stays open while the child lives.
        guard Self.addCloseFrom(&actions, 3) == 0 else { throw Failure(description: "posix_spawn_file_actions_addclosefrom_np failed") }

        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // The child starts with no signal blocked and default dispositions: a test's thread may
        // block SIGHUP or SIGTERM (urad does, for its signal sources), and a child inheriting that
        // mask would silently ignore the signals a test sends it.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var child = pid_t()
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        // The parent keeps only its ends.
        if let stdinPipe { close(stdinPipe.read) }
        if devNull >= 0 { close(devNull) }
        close(stdoutPipe.write)
        close(stderrPipe.write)
        guard result == 0 else {
            if let stdinPipe { close(stdinPipe.write) }
            close(stdoutPipe.read)
            close(stderrPipe.read)
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
        input = stdinPipe.map { FileHandle(fileDescriptor: $0.write, closeOnDealloc: true) }
        output = FileHandle(fileDescriptor: stdoutPipe.read, closeOnDealloc: true)
        errors = FileHandle(fileDescriptor: stderrPipe.read, closeOnDealloc: true)
    }

    /// Reads and drops what the child writes to `handle` (its output or errors) until it closes
    /// it, on a thread of its own, so the child never blocks on a full pipe. A blocking read, not a
    /// `readabilityHandler`: that is a dispatch source on the descriptor, which the FileHandle may
    /// close while libdispatch still has it registered; a test run crashed once in libdispatch's
    /// event loop with such sources about. The thread holds the handle until end of file.
    public static func discard(_ handle: FileHandle) {
        Thread { while !handle.availableData.isEmpty {} }.start()
    }

    /// Sends `signal` (SIGTERM by default) unless the child has been reaped.
    public func signal(_ signal: Int32 = SIGTERM) {
        status.lock()
        defer { status.unlock() }
        if exit == nil { kill(pid, signal) }
    }

    public var isRunning: Bool {
        status.lock()
        defer { status.unlock() }
        if exit != nil { return false }
        var raw: Int32 = 0
        let reaped = waitpid(pid, &raw, WNOHANG)
        if reaped == pid { exit = Self.decode(raw) }
        return exit == nil
    }

    /// Waits for the child to end: its exit code, or 128 + the signal that ended it.
    @discardableResult
    public func wait() -> Int32 {
        status.lock()
        defer { status.unlock() }
        if let exit { return exit }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
        let code = Self.decode(raw)
        exit = code
        return code
    }

    private static func decode(_ raw: Int32) -> Int32 {
        let signal = raw & 0x7f
        return signal == 0 ? (raw >> 8) & 0xff : 128 + signal
    }

    /// Runs a program to completion: its exit code (128 + signal when killed), standard output and
    /// standard error. Both pipes are drained at once, so a chatty child never blocks.
    public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
                           input: [UInt8]? = nil) throws -> (status: Int32, output: [UInt8], errors: [UInt8]) {
        let child = try ChildProcess(executable, arguments, environment: environment, withInput: input != nil)
        if let input, let handle = child.input {
            handle.write(Data(input))
            try? handle.close()
        }
        let errors = ErrorsBox()
        let reader = Thread { errors.set(child.errors.readDataToEndOfFile()) }
        reader.start()
        let output = child.output.readDataToEndOfFile()
        let code = child.wait()
        return (code, [UInt8](output), [UInt8](errors.wait()))
    }

    private final class ErrorsBox: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var data = Data()
        func set(_ value: Data) {
            data = value
            done.signal()
        }
        func wait() -> Data {
            done.wait()
            return data
        }
    }
}
