import Foundation
import UraBasics
import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning
import UraSchema

/// The `ura` command line: what an agency, a mission abroad or an operator types. Each command
/// prints sentences (or JSON with --json) and exits with a documented code (`ExitCode`,
/// `docs/cli.md`).
public enum UraCLI {
    /// The overview `ura --help` prints (made from `CommandTable`).
    public static var usage: String { CommandTable.usage }

    /// Bare `ura`: the usage went to standard error; exit 64.
    struct NoCommand: Error {}

    public static func run(_ arguments: [String]) async -> Int32 {
        do {
            try await dispatch(arguments)
            return ExitCode.success.rawValue
        } catch let error as ClientError {
            Terminal.error(error.message)
            return ExitCode(error.kind).rawValue
        } catch is NoCommand {
            _ = DurableFile.writeAll(STDERR_FILENO, Array((usage + "\n").utf8))
            return ExitCode.usage.rawValue
        } catch let error as UsageError {
            let command = CommandTable.command(for: Array(arguments.drop { $0.hasPrefix("--") }))
            Terminal.error("\(error)\n\nRun `ura \(command?.name ?? "") --help`\(command == nil ? " for the commands" : " for its options and an example").".replacingOccurrences(of: "ura  --help", with: "ura --help"))
            return ExitCode.usage.rawValue
        } catch {
            Terminal.error("\(error)")
            return ExitCode.software.rawValue
        }
    }

    static func dispatch(_ all: [String]) async throws {
        // Global options come before the command.
        var global: [String] = []
        var rest = all[...]
        while let first = rest.first, first.hasPrefix("--") {
            global.append(first)
            rest = rest.dropFirst()
            if ["--profile", "--gateway", "--schemas"].contains(first), let value = rest.first {
                global.append(value)
                rest = rest.dropFirst()
            }
        }
        let options = try CommandLineArguments(global, options: ["profile", "gateway", "schemas"], flags: ["help", "version"])
        if options.flag("version") { Terminal.out("ura \(Ura.version)"); return }
        if options.flag("help") && rest.isEmpty { Terminal.out(usage); return }
        guard let command = rest.first else { throw NoCommand() }
        // `ura help [CMD]`, `ura CMD --help`, `ura admin login-link -h`: the command's own help, from the table.
        let words = rest.first == "help" ? Array(rest.dropFirst()) : Array(rest)
        if rest.first == "help" || options.flag("help") || rest.contains("--help") || rest.contains("-h") {
            let named = words.filter { !$0.hasPrefix("-") }
            if named.isEmpty { Terminal.out(usage); return }
            if let found = CommandTable.command(for: named) { Terminal.out(found.help); return }
            let members = CommandTable.group(named[0])
            guard !members.isEmpty else { throw UsageError("unknown command '\(named[0])'") }
            Terminal.out("usage: ura \(named[0]) <\(members.map { $0.words[1] }.joined(separator: "|"))> [options]\n\n"
                         + members.map { "  " + $0.name.padding(toLength: 18, withPad: " ", startingAt: 0) + CommandTable.firstSentence($0.summary) }
                            .joined(separator: "\n") + "\n\n`ura \(named[0]) COMMAND --help` for a command's options.")
            return
        }
        let context = Context(options: options)
        let arguments = Array(rest.dropFirst())
        switch command {
        case "send": try await SendCommand.run(arguments, context)
        case "outbox": try await OutboxCommand.run(arguments, context)
        case "inbox": try await InboxCommand.run(arguments, context)
        case "receipts": try await ReceiptsCommand.run(arguments, context)
        case "status": try await StatusCommand.run(arguments, context)
        case "verify": try VerifyCommand.run(arguments, context)
        case "audit": try await AuditCommand.run(arguments, context)
        case "keys": try KeysCommand.run(arguments, context)
        case "cert": try CertCommand.run(arguments, context)
        case "admin": try await AdminCommand.run(arguments, context)
        case "declare": try await DeclareCommand.run(arguments, context)
        case "case": try await CaseCommand.run(arguments, context)
        case "show": try ShowCommand.run(arguments, context)
        case "directory": try await DirectoryCommand.run(arguments, context)
        case "types": try TypesCommand.run(arguments, context)
        case "example": try ExampleCommand.run(arguments, context)
        case "desk": try await DeskCommand.run(arguments, context)
        case "completion":
            guard arguments == ["bash"] else { throw UsageError("ura completion knows bash: `ura completion bash`") }
            Terminal.out(CommandTable.bashCompletion)
        default: throw UsageError("unknown command '\(command)'")
        }
    }

    /// What the global options give every command.
    struct Context: Sendable {
        let options: CommandLineArguments

        func profile() throws(ClientError) -> AgencyProfile {
            guard let path = options.option("profile") ?? ProcessInfo.processInfo.environment["URA_PROFILE"] else {
                throw ClientError("this command acts as an agency: give its profile with --profile FILE (or set URA_PROFILE)", .configuration)
            }
            return try AgencyProfile.load(URL(fileURLWithPath: path))
        }

        /// The profile when one is given (--profile or URA_PROFILE), for commands that can do without.
        func profileIfGiven() throws(ClientError) -> AgencyProfile? {
            guard (options.option("profile") ?? ProcessInfo.processInfo.environment["URA_PROFILE"]) != nil else { return nil }
            return try profile()
        }

        func connection(timeout: Duration = .seconds(120)) throws(ClientError) -> GatewayConnection {
            GatewayConnection(profile: try profile(), gatewayURL: options.option("gateway"), timeout: timeout)
        }

        var schemasFolder: URL { options.option("schemas").map { URL(fileURLWithPath: $0) } ?? MessageCatalogue.defaultDirectory() }

        func catalogue() throws(ClientError) -> MessageCatalogue {
            let folder = schemasFolder
            do { return try MessageCatalogue(directory: folder) } catch {
                throw ClientError("cannot load the message catalogue from \(folder.path): \(error) (give --schemas DIR)", .configuration)
            }
        }
    }
}

/// Where `ura` writes: stdout for results, stderr for errors, each line in one write. `ura` ignores
/// SIGPIPE, so a closed pipe or a full disk is an error here, never a silent death.
package enum Terminal {
    /// A result line. A failed write ends `ura` with exit 74, as SIGPIPE would have, but with a
    /// sentence; commands that must not go on after a lost line (`inbox`) use `write` instead.
    static func out(_ text: String) {
        do { try write(text) } catch {
            // `ura status | head -1`: the reader has what it wanted; nothing to say about it.
            if readerLeft { exit(ExitCode.success.rawValue) }
            self.error(error.message)
            exit(ExitCode(error.kind).rawValue)
        }
    }

    /// Result lines of a command that goes on when one is lost (`inbox`: each message is already
    /// kept): the first failure is remembered; a reader that stopped reading (EPIPE) is no failure.
    struct Lines {
        private(set) var failure: ClientError?
        private var closed = false

        mutating func write(_ text: String) {
            guard !closed else { return }
            do { try Terminal.write(text) } catch {
                closed = true
                if !Terminal.readerLeft { failure = error }
            }
        }
    }

    /// Whether the last failed write to standard output was to a reader that stopped reading.
    nonisolated(unsafe) static var readerLeft = false

    static func error(_ text: String) { _ = DurableFile.writeAll(STDERR_FILENO, Array(("ura: " + text + "\n").utf8)) }

    /// A result line, written in full and, when stdout is a regular file, synced to disk; throws
    /// when it did not arrive (a closed pipe, a full disk).
    static func write(_ text: String) throws(ClientError) {
        if let failure = DurableFile.writeAll(STDOUT_FILENO, Array((text + "\n").utf8)) {
            readerLeft = failure == EPIPE
            throw ClientError("cannot write to standard output: \(String(cString: strerror(failure)))", .ioError)
        }
        var status = stat()
        if fstat(STDOUT_FILENO, &status) == 0, status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG), fsync(STDOUT_FILENO) != 0 {
            throw ClientError("cannot sync standard output to disk: \(String(cString: strerror(errno)))", .ioError)
        }
    }
}

extension CommandLineArguments {
    /// A comma-separated list option, each item built by `make`.
    func list<T>(_ name: String, _ make: (String) throws -> T) throws(UsageError) -> [T] {
        var items: [T] = []
        for text in options(name).flatMap({ $0.split(separator: ",").map(String.init) }) {
            do { items.append(try make(text)) } catch { throw UsageError("--\(name): \(error)") }
        }
        return items
    }
}

func readFile(_ path: String) throws(ClientError) -> [UInt8] { try LocalFile.read(path) }
