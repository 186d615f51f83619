import UraBasics
import Foundation
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
    public static let usage = """
    usage: ura [--profile FILE] [--gateway URL] <command> [options]

    Agency commands (need a profile: --profile FILE or $URA_PROFILE):
      send FORM.json --type T --to ID[,ID] --case CASE --subject child|adult|unknown
           [--priority normal|urgent|immediate] [--in-reply-to ID] [--participants ROLE,...]
           [--county C] [--expires-days N]        sign, encrypt and submit a form; prints the receipt
      outbox [--list]                             retry (or list) messages kept while the gateway was unreachable
      inbox [--wait S] [--limit N] [--out DIR] [--json] [--no-ack]
                                                  fetch, verify, decrypt, check and acknowledge messages
      receipts [--all] [--json]                   delivered and failed receipts for the messages you sent
      status [ID] [--json]                        a message's delivery state; without ID (secretariat) the overview
      verify FILE [--directory FILE]              check a signed message, receipt or directory offline
      audit [--json]                              check that the gateway's ledger only grew since the last audit
      audit --entries [--from N] [--count N] [--json]
                                                  recompute the leaf hashes of ledger entries against the signed head
      declare --case CASE --role ROLE --form A1-FILE [--on DATE] [--id ID] [--json]  < name
                                                  record a confidentiality declaration (A1); the
                                                  declarant's name is read from standard input
      case CASE [--declarations] [--json]         (secretariat) a case's timeline, or its declarations
                                                  with the declarants' names decrypted

    Keys and enrolment:
      keys generate --out DIR [--agency ID]       signing, encryption and TLS keys (private files 0600)
      cert request --agency ID --key DIR/tls.key --out FILE.csr
      admin init --data-dir DIR --gateway-id ID --gateway-name NAME --host NAME[,NAME]
                                                  a new gateway's CA, keys, TLS certificate, directory
      admin enrol --data-dir DIR --csr FILE --kind KIND [--name NAME] --keys DIR/keys.json
                  [--county C] [--parent ID] [--push-url URL | --pull] [--revoke-old-certificates]
                  [--out FILE.crt] [--reload]     enrol an agency, or re-enrol one (status and kind kept)
      admin renew-tls --data-dir DIR --host NAME[,NAME] [--reload]
                                                  a new TLS certificate for the gateway from its CA
      admin login-link --data-dir DIR             the dashboard's one-time login link (on the gateway host)

      --version, --help
    Exit codes: 0 done, 1 refused by the gateway (send: moved to rejected/), 2 verification failed,
    64 usage, 65 bad input, 66 missing file, 69 gateway unreachable or busy (send: kept in the outbox),
    70 bug, 73 a file to create exists (admin init), 74 I/O (inbox: that message not acknowledged), 75 send: nothing kept, try again later,
    76 protocol, 77 not permitted (certificate refused, agency suspended, or not allowed to this
    agency; send: kept in the outbox if it says so), 78 configuration.
    """

    public static func run(_ arguments: [String]) async -> Int32 {
        do {
            try await dispatch(arguments)
            return ExitCode.success.rawValue
        } catch let error as ClientError {
            Terminal.error(error.message)
            return ExitCode(error.kind).rawValue
        } catch let error as UsageError {
            Terminal.error("\(error)\n\nRun `ura --help` for the commands.")
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
        guard let command = rest.first, !options.flag("help"), command != "help" else { Terminal.out(usage); return }
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

        func catalogue() throws(ClientError) -> MessageCatalogue {
            let folder = options.option("schemas").map { URL(fileURLWithPath: $0) } ?? MessageCatalogue.defaultDirectory()
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
            self.error(error.message)
            exit(ExitCode(error.kind).rawValue)
        }
    }

    static func error(_ text: String) { _ = DurableFile.writeAll(STDERR_FILENO, Array(("ura: " + text + "\n").utf8)) }

    /// A result line, written in full and, when stdout is a regular file, synced to disk; throws
    /// when it did not arrive (a closed pipe, a full disk).
    static func write(_ text: String) throws(ClientError) {
        if let failure = DurableFile.writeAll(STDOUT_FILENO, Array((text + "\n").utf8)) {
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
