import Foundation
#if canImport(Glibc)
import Glibc
#endif
import UraTestSupport

/// A private PostgreSQL server for tests: `initdb` in a fresh temporary directory, started with
/// `pg_ctl` on a free port of 127.0.0.1 (and a Unix socket in that directory), trust authentication
/// for the user `ura`, stopped and deleted by `stop()`. As root it runs as the `postgres` user
/// (PostgreSQL refuses to run as root), through `runuser`.
///
/// `shared` is one server for the whole test process (each test takes a database or a schema of its
/// own), stopped when the process exits. Tests that stop or kill a server start their own.
public final class PostgresServer: @unchecked Sendable {
    /// Where `initdb`, `pg_ctl` and `postgres` are: the first directory of `PATH` that has all
    /// three, else the newest `/usr/lib/postgresql/<version>/bin`; nil when there is none.
    public static let binaries: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        var candidates = path.split(separator: ":").map(String.init)
        let versions = (try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []
        candidates += versions.compactMap(Int.init).sorted(by: >).map { "/usr/lib/postgresql/\($0)/bin" }
        return candidates.first { dir in
            ["initdb", "pg_ctl", "postgres"].allSatisfy { FileManager.default.isExecutableFile(atPath: "\(dir)/\($0)") }
        }
    }()

    /// True when the binaries exist; otherwise prints, once, a loud line saying the PostgreSQL tests are skipped.
    public static let available: Bool = {
        guard binaries == nil else { return true }
        let line = "SKIPPED: no PostgreSQL server binaries (initdb, pg_ctl, postgres) on PATH or under /usr/lib/postgresql/*/bin; "
            + "the PostgreSQL tests did NOT run (scripts/deps --test installs Debian's postgresql)\n"
        FileHandle.standardError.write(Data(line.utf8))
        return false
    }()

    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let directory: URL
    /// The server's port; chosen again only while the first start finds it taken (see `firstStart`).
    public private(set) var port: Int
    public let user = "ura"
    private let binaries: String
    private let lock = NSLock()
    private var running = false

    /// Initialises a cluster in a new temporary directory and starts it.
    public init(settings: [String: String] = [:]) throws {
        guard let binaries = Self.binaries else { throw Failure(description: "no PostgreSQL server binaries") }
        self.binaries = binaries
        directory = try Self.makeDirectory()
        port = try Self.freePort()
        self.settings = settings
        try runAsServerUser("initdb", ["-D", dataDirectory, "-U", user, "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C"])
        try firstStart()
    }

    /// A streaming standby of `primary`, made with `pg_basebackup -R` (its `primary_conninfo` names
    /// it `name`, for the primary's `synchronous_standby_names`), started on a port of its own.
    public init(standbyOf primary: PostgresServer, name: String, settings: [String: String] = [:]) throws {
        guard let binaries = Self.binaries else { throw Failure(description: "no PostgreSQL server binaries") }
        self.binaries = binaries
        directory = try Self.makeDirectory()
        port = try Self.freePort()
        self.settings = settings
        guard let basebackup = Self.tool("pg_basebackup") else { throw Failure(description: "no pg_basebackup") }
        try runAsServerUser(basebackup, ["-D", dataDirectory, "-R", "-X", "stream", "--no-sync",
                                         "-c", "fast", "-d", "host=127.0.0.1 port=\(primary.port) user=\(primary.user) application_name=\(name)"])
        try firstStart()
    }

    private static func makeDirectory() throws -> URL {
        let directory = URL(fileURLWithPath: "/tmp").appendingPathComponent("ura-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: false)
        if getuid() == 0 {
            guard let owner = getpwnam("postgres") else {
                throw Failure(description: "running as root, and there is no postgres user to run PostgreSQL as")
            }
            chown(directory.path, owner.pointee.pw_uid, owner.pointee.pw_gid)
        }
        chmod(directory.path, 0o700)
        return directory
    }

    /// Stops the server at once, as a crash would (`pg_ctl stop -m immediate`: no checkpoint).
    public func crash() throws {
        try runAsServerUser("pg_ctl", ["-D", dataDirectory, "-m", "immediate", "-w", "stop"])
        lock.withLock { running = false }
    }

    /// Promotes a standby to primary and waits until it takes writes.
    public func promote() throws {
        try runAsServerUser("pg_ctl", ["-D", dataDirectory, "-w", "promote"])
    }

    private let settings: [String: String]
    private var dataDirectory: String { directory.appendingPathComponent("data").path }

    /// A connection URL for `database` (over TCP on 127.0.0.1), with extra `parameters`.
    public func url(database: String = "postgres", parameters: [String: String] = [:]) -> String {
        var url = "postgresql://\(user)@127.0.0.1:\(port)/\(database)"
        let query = parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.percentEncoded($0.value))" }
        if !query.isEmpty { url += "?" + query.joined(separator: "&") }
        return url
    }

    static func percentEncoded(_ value: String) -> String {
        value.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-_.~"))) ?? value
    }

    /// Starts the server for the first time. The port `freePort()` chose may be taken by the time
    /// the server binds it (another process's connection got it as its own port meanwhile): then
    /// another free port is chosen, a few times, before giving up.
    private func firstStart() throws {
        var attempt = 1
        while true {
            do {
                return try start()
            } catch let failure as Failure {
                let taken = log.contains("could not bind") || log.contains("Address already in use")
                guard taken, attempt < 5 else { throw failure }
                try? FileManager.default.removeItem(at: directory.appendingPathComponent("server.log"))
                port = try Self.freePort()
                attempt += 1
            }
        }
    }

    /// Starts the server (again) and waits until it accepts connections.
    public func start() throws {
        var options = ["-c listen_addresses=127.0.0.1", "-p \(port)", "-c unix_socket_directories=\(directory.path)",
                       "-c max_connections=400", "-c shared_buffers=32MB", "-c fsync=on"]
        options += settings.sorted { $0.key < $1.key }.map { "-c \($0.key)=\($0.value)" }
        try runAsServerUser("pg_ctl", ["-D", dataDirectory, "-l", directory.appendingPathComponent("server.log").path, "-w", "-t", "120",
                                       "-o", options.joined(separator: " "), "start"])
        lock.withLock { running = true }
    }

    /// Stops the server (fast shutdown: connections are closed), keeping its data.
    public func halt() throws {
        try runAsServerUser("pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "stop"])
        lock.withLock { running = false }
    }

    /// Stops the server if it runs and deletes its directory.
    public func stop() {
        if lock.withLock({ running }) { try? halt() }
        try? FileManager.default.removeItem(at: directory)
    }

    /// The server's log so far (for a failing test's message).
    public var log: String { (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? "" }

    private func runAsServerUser(_ program: String, _ arguments: [String]) throws {
        let executable = program.hasPrefix("/") ? program : "\(binaries)/\(program)"
        let result = getuid() == 0
            ? try ChildProcess.run("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments)
            : try ChildProcess.run(executable, arguments)
        guard result.status == 0 else {
            throw Failure(description: "\(program) failed (\(result.status)): \(String(decoding: result.errors, as: UTF8.self))"
                          + String(decoding: result.output, as: UTF8.self) + "\n" + log)
        }
    }

    /// Creates an empty database of a new name on this server (with `psql`) and returns its name.
    public func createDatabase() throws -> String {
        let name = "ura_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(16)
        guard let psql = Self.tool("psql") else { throw Failure(description: "no psql found beside the server binaries or on PATH") }
        let result = try ChildProcess.run(psql, ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port), "-U", user,
                                                 "-d", "postgres", "-c", "CREATE DATABASE \(name)"])
        guard result.status == 0 else {
            throw Failure(description: "CREATE DATABASE failed: \(String(decoding: result.errors, as: UTF8.self))")
        }
        return name
    }

    /// The rows `sql` returns on `database`, through `psql` (unaligned, tuples only: one line a
    /// row, columns separated by `|`), trimmed.
    public func query(_ sql: String, database: String = "postgres") throws -> String {
        guard let psql = Self.tool("psql") else { throw Failure(description: "no psql found beside the server binaries or on PATH") }
        let result = try ChildProcess.run(psql, ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", String(port),
                                                 "-U", user, "-d", database, "-c", sql])
        guard result.status == 0 else {
            throw Failure(description: "psql on port \(port) failed: \(String(decoding: result.errors, as: UTF8.self))")
        }
        return String(decoding: result.output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Blocks until this primary streams to the standby `name` synchronously (`sync_state = 'sync'`
    /// in `pg_stat_replication`); throws with the server log when that has not happened within
    /// `bound` (a bound for a broken setup, not a timing assumption).
    public func waitUntilSynchronous(standby name: String, bound: Duration = .seconds(180)) throws {
        let clock = ContinuousClock(), deadline = clock.now + bound
        let sql = "SELECT count(*) FROM pg_stat_replication WHERE application_name = '\(name)' AND sync_state = 'sync'"
        while clock.now < deadline {
            if try query(sql) == "1" { return }
            usleep(50_000)  // between polls of the condition; this thread is the caller's own
        }
        throw Failure(description: "the standby \(name) never became synchronous:\n\(log)")
    }

    /// Whether the server is a standby (still replaying WAL): `pg_is_in_recovery()`.
    public func isInRecovery() throws -> Bool { try query("SELECT pg_is_in_recovery()") == "t" }

    /// A PostgreSQL client program (`psql`, `pg_dump`): beside the server binaries, under
    /// /usr/lib/postgresql/*/bin, or on PATH.
    public static func tool(_ name: String) -> String? {
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).compactMap(Int.init).sorted(by: >)
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
        let candidates = (binaries.map { [$0] } ?? []) + versions.map { "/usr/lib/postgresql/\($0)/bin" } + path
        return candidates.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A port the kernel had free: bound on 127.0.0.1 with port 0, read, closed.
    public static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw Failure(description: "bind: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// The process's shared server, started at first use and stopped when the process exits.
    public static func shared() throws -> PostgresServer {
        try sharedServer.get()
    }

    // From async code: the same, on a thread of its own. initdb, pg_ctl and psql take seconds (tens
    // on a busy machine), and async tests that waited for them on the cooperative pool's two
    // threads stalled every other test of the process for as long.

    /// The shared server, started (the first time) off the cooperative pool.
    public static func shared() async throws -> PostgresServer { try await blocking { try shared() } }

    /// A new server of its own (see `init(settings:)`), made off the cooperative pool.
    public static func start(settings: [String: String] = [:]) async throws -> PostgresServer {
        try await blocking { try PostgresServer(settings: settings) }
    }

    /// A new streaming standby of `primary` (see `init(standbyOf:name:)`), made off the cooperative pool.
    public static func standby(of primary: PostgresServer, name: String) async throws -> PostgresServer {
        try await blocking { try PostgresServer(standbyOf: primary, name: name) }
    }

    /// `createDatabase()` off the cooperative pool.
    public func createDatabase() async throws -> String { try await blocking { try self.createDatabase() } }

    private static let sharedServer: Result<PostgresServer, Error> = {
        do {
            let server = try PostgresServer()
            sharedForExit = server
            atexit { PostgresServer.sharedForExit?.stop() }
            return .success(server)
        } catch {
            return .failure(error)
        }
    }()

    nonisolated(unsafe) private static var sharedForExit: PostgresServer?
}
