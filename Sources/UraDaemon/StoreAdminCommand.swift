import Foundation
import Glibc
import UraBasics
import UraModel
import UraProtocol
import UraProvisioning
import UraGatewayCore
import UraStore
import UraStorePostgres

/// `ura-admin`: what an operator does to the gateway's store itself — a backup while urad runs, a
/// restore into a data directory whose store is gone, the move of a country's SQLite store to
/// PostgreSQL. It reads urad's own configuration (the same `--config`, `--data-dir` and `URA_…`
/// environment), so it always works on the store urad would open. `ura` cannot do this: it is the
/// agencies' client and links neither SQLite nor libpq.
public enum StoreAdminCommand {
    static let usage = """
    usage: ura-admin [--config FILE] [--data-dir DIR] backup FILE
           ura-admin [--config FILE] [--data-dir DIR] restore FILE
           ura-admin [--config FILE] [--data-dir DIR] migrate-store postgres:URL

      backup FILE      copy the SQLite store into FILE (new, 0600; never overwritten) while urad runs.
                       For PostgreSQL use pg_dump or a base backup (docs/operations.md).
      restore FILE     put a backup in place of a missing SQLite store (urad stopped) and check its
                       signed ledger head; then each agency's `ura audit` checks it against the head
                       it kept
      migrate-store postgres:URL
                       copy the SQLite store (urad stopped) into an empty PostgreSQL database and
                       check the copy's signed ledger head; then set store.backend=postgres and
                       store.url, start urad, and have an agency run `ura audit`

      --config FILE    urad's configuration (without it: the demo data directory, as urad)
      --data-dir DIR   the data directory (default ./ura-data, or data_dir of the configuration)

    Exit: 0 done, 64 usage, 69 the database cannot be reached, 78 refused (nothing changed).
    Environment: URA_<SECTION>__<OPTION> as for urad (URA_STORE__BACKEND=postgres).
    """

    static func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }

    static func fail(_ message: String, code: Int32) -> Never {
        FileHandle.standardError.write(Data("ura-admin: \(message)\n".utf8))
        exit(code)
    }

    public static func run(_ commandLine: [String]) -> Never {
        let arguments: CommandLineArguments
        do {
            arguments = try CommandLineArguments(commandLine, options: ["config", "data-dir"], flags: ["version", "help"])
        } catch {
            fail("\(error)\n\n\(usage)", code: 64)
        }
        if arguments.flag("version") { say("ura-admin \(Ura.version)"); exit(0) }
        if arguments.flag("help") { say(usage); exit(0) }
        guard let command = arguments.positionals.first else { fail("say what to do: backup, restore or migrate-store\n\n\(usage)", code: 64) }
        guard ["backup", "restore", "migrate-store"].contains(command) else {
            fail("there is no command '\(command)'; ura-admin does backup, restore and migrate-store\n\n\(usage)", code: 64)
        }
        guard arguments.positionals.count == 2 else {
            fail(arguments.positionals.count < 2 ? "\(command) needs one argument\n\n\(usage)"
                 : "unexpected argument '\(arguments.positionals[2])'\n\n\(usage)", code: 64)
        }
        let target = arguments.positionals[1]
        let configuration: GatewayConfiguration
        do {
            configuration = try GatewayConfiguration.load(file: arguments.option("config").map { URL(fileURLWithPath: $0) },
                                                          dataDirectory: arguments.option("data-dir"))
        } catch {
            fail("configuration: \(error)", code: 78)
        }
        switch command {
        case "backup": backup(configuration, to: target)
        case "restore": restore(configuration, from: target)
        default: migrateStore(configuration, to: target)
        }
    }

    /// Beside a running urad: no lock (SQLite's backup reads one consistent snapshot).
    static func backup(_ configuration: GatewayConfiguration, to file: String) -> Never {
        do {
            let size = try StoreBackup.backup(configuration, to: file)
            say("backed up \(configuration.storePath.path) to \(file): \(size) ledger entries under its signed head")
            exit(0)
        } catch { fail("\(error)", code: 78) }
    }

    /// Under the data directory's lock: no urad runs on it meanwhile.
    static func restore(_ configuration: GatewayConfiguration, from file: String) -> Never {
        do {
            let lock = try DataDirectoryLock.acquire(in: configuration.dataDirectory)
            defer { withExtendedLifetime(lock) {} }
            let size = try StoreBackup.restore(configuration, from: file, ledger: try ledgerConfiguration(configuration))
            say("restored \(file) to \(configuration.storePath.path): \(size) ledger entries, its signed head checks out; "
                + "have an agency run `ura audit` against the head it kept")
            exit(0)
        } catch { fail("\(error)", code: 78) }
    }

    /// Under the data directory's lock (no urad runs on it), copies the SQLite store into the
    /// database and says what it copied.
    static func migrateStore(_ configuration: GatewayConfiguration, to target: String) -> Never {
        guard target.hasPrefix("postgres:") || target.hasPrefix("postgresql:") else {
            fail("migrate-store takes postgres:URL (postgres:postgresql://ura@db1/ura), not '\(target)'", code: 64)
        }
        let url = target.hasPrefix("postgres:") ? String(target.dropFirst("postgres:".count)) : target
        if let problem = PostgresURL.problem(url) { fail("migrate-store: the PostgreSQL URL is not valid: \(problem)", code: 64) }
        guard configuration.storeBackend == .sqlite else {
            fail("migrate-store copies the SQLite store, but store.backend is postgres already", code: 78)
        }
        guard FileManager.default.fileExists(atPath: configuration.storePath.path) else {
            fail("there is no SQLite store at \(configuration.storePath.path) to copy", code: 78)
        }
        do {
            let lock = try DataDirectoryLock.acquire(in: configuration.dataDirectory)
            defer { withExtendedLifetime(lock) {} }
            let summary = try StoreMigration.copy(sqlitePath: configuration.storePath.path, to: url,
                                                  ledger: try ledgerConfiguration(configuration))
            say("copied \(configuration.storePath.path) to PostgreSQL at \(PostgresURL.describe(url)): "
                + summary.rows.map { "\($0.count) \($0.table)" }.joined(separator: ", "))
            say("ledger: \(summary.ledgerSize) entries, its signed head checks out in the copy; run `ura audit` after the switch")
            say("now set store.backend to postgres and store.url to the URL (URA_STORE__BACKEND=postgres URA_STORE__URL=…) and start urad")
            exit(0)
        } catch let error as StoreError {
            if case .unavailable = error { fail("the PostgreSQL store cannot be reached: \(error)", code: 69) }
            fail("\(error)", code: 78)
        } catch {
            fail("\(error)", code: 78)
        }
    }

    /// The gateway's keys as the ledger knows them: the current signing key and the earlier ones.
    private static func ledgerConfiguration(_ configuration: GatewayConfiguration) throws -> LedgerConfiguration {
        let loaded = try Daemon.load(configuration, log: Logger(minimum: .warning))
        return Gateway.ledgerConfiguration(loaded.signer,
                                           earlierKeys: Gateway.earlierGatewayKeys(in: loaded.snapshot.directory, except: loaded.signer))
    }
}
