import Foundation
import Glibc
import UraBasics
import UraCrypto
import UraModel
import UraProtocol
import UraProvisioning
import UraGatewayCore
import UraStore
import UraStorePostgres

/// `urad`'s command line: arguments, demo mode on first run, the check of a configuration, the
/// signals (SIGTERM and SIGINT stop, SIGHUP reloads), and the lines it prints. `urad`'s main calls
/// `run` and then hands the thread to Dispatch.
public enum URADCommand {
    /// Writes a line to stdout at once (stdout may be a pipe that a test reads).
    static func say(_ text: String) { FileHandle.standardOutput.write(Data((text + "\n").utf8)) }

    static func fail(_ message: String, code: Int32 = 1) -> Never {
        FileHandle.standardError.write(Data("urad: \(message)\n".utf8))
        exit(code)
    }

    static let usage = """
    usage: urad [--config FILE] [--data-dir DIR] [--demo] [--check-config] [--version]

      --config FILE    the configuration (JSON; see deploy/urad.example.json). Without it: demo mode.
      --data-dir DIR   the data directory (default ./ura-data, or data_dir of the configuration)
      --demo           create a demo directory of agencies on first run (the default without --config)
      --check-config   load and check the configuration, keys, certificates and directory, say where the
                       store is (for PostgreSQL: connect and say its version, schema version and
                       whether it is writable), and exit (0: fine, 78: not, 69: database unreachable);
                       changes nothing
      --version        print the version

    The store's backup, restore and move to PostgreSQL: ura-admin (ura-admin --help).

    Environment: URA_<OPTION>, URA_<SECTION>__<OPTION> override the configuration (URA_LISTEN__PORT=9443).
    """

    /// Starts the gateway; returns the signal sources, which must stay alive while it runs.
    /// Exits the process on a usage or configuration error, after `--version`, `--help` and
    /// `--check-config`, and on SIGTERM.
    /// What the demo prints to try it: the README's tour, with this ura, data folder and port.
    static func demoHints(ura: String, data: String, port: Int) -> String {
        """

        Try it (another terminal; the same tour as the README):
          ura="\(ura)"; a="\(data)/agencies"
          $ura example return.found-abroad > found.json
          $ura --profile $a/al.mepj.mission.it-rome/profile.json send found.json \\
               --type return.found-abroad --to al.mpb.secretariat,al.mepj --case AL-2026-000061 --subject adult --priority immediate
          $ura --profile $a/al.mpb.secretariat/profile.json inbox
          $ura --profile $a/al.mepj.mission.it-rome/profile.json receipts
          curl --cacert "\(data)/ca/ca.crt" --cert $a/al.krat.tirane/tls.crt --key $a/al.krat.tirane/tls.key https://127.0.0.1:\(port)/v1/stats
        Stop with Ctrl-C.
        """
    }

    public static func run(_ commandLine: [String]) -> [any DispatchSourceSignal] {
        let arguments: CommandLineArguments
        do {
            arguments = try CommandLineArguments(commandLine, options: ["config", "data-dir"],
                                                 flags: ["demo", "check-config", "version", "help"])
        } catch {
            fail("\(error)\n\n\(usage)", code: 64)
        }
        if arguments.flag("version") {
            say("urad \(Ura.version)")
            exit(0)
        }
        if arguments.flag("help") {
            say(usage)
            exit(0)
        }
        guard arguments.positionals.isEmpty else { fail("unexpected argument '\(arguments.positionals[0])'\n\n\(usage)", code: 64) }

        // Signals are handled on a dispatch queue, never in a signal handler, and from the start: the
        // queue is held until urad runs, so a reload (`systemctl reload` right after start) or a stop asked
        // for while it is still starting waits for it instead of killing it with the default action.
        let signalQueue = DispatchQueue(label: "urad.signals")
        signalQueue.suspend()
        let state = SignalState()
                var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: signalQueue)
            source.setEventHandler {
                guard let (daemon, runDirectory) = state.running else { return }
                let previous = state.lastSignalled
                if number == SIGHUP {
                    state.lastSignalled = Task {
                        await previous?.value
                        await daemon.reload()
                    }
                    return
                }
                state.lastSignalled = Task {
                    await previous?.value
                    await daemon.stop()
                    try? FileManager.default.removeItem(at: runDirectory.appendingPathComponent("urad.json"))
                    exit(0)
                }
            }
            source.resume()
            sources.append(source)
        }

        let configFile = arguments.option("config").map { URL(fileURLWithPath: $0) }
        let demo = arguments.flag("demo") || configFile == nil
        let configuration: GatewayConfiguration
        do {
            configuration = try GatewayConfiguration.load(file: configFile, dataDirectory: arguments.option("data-dir"))
        } catch {
            fail("configuration: \(error)", code: 78)
        }

        if arguments.flag("check-config") {
            // Reads only: no demo, no store, no token, no run/ files (systemd runs it before every start).
            if demo && !DemoSetup.exists(in: configuration.dataDirectory) {
                fail("there is no demo in \(configuration.dataDirectory.path) yet; urad creates one when it first starts (the check creates nothing)", code: 78)
            }
            do {
                for line in try Daemon.check(configuration) { say(line) }
            } catch let unreachable as StoreUnreachable {
                fail("\(unreachable)", code: 69)
            } catch {
                fail("\(error)", code: 78)
            }
            exit(0)
        }

        // One urad per data directory: taken before the demo, the store or any run/ file is touched.
        let lock: DataDirectoryLock
        do { lock = try DataDirectoryLock.acquire(in: configuration.dataDirectory, createDirectory: demo) } catch { fail("\(error)") }

        if demo && !DemoSetup.exists(in: configuration.dataDirectory) {
            let url = "https://\(configuration.listenHost == "0.0.0.0" ? "127.0.0.1" : configuration.listenHost):\(configuration.listenPort)"
            let enrolled: [Enrolled]
            do {
                enrolled = try DemoSetup.create(in: configuration.dataDirectory, gatewayID: configuration.gatewayID,
                                                gatewayName: configuration.gatewayName, gatewayURL: url,
                                                agencies: DemoSetup.agencies(for: configuration.gatewayID))
            } catch {
                fail("cannot create the demo in \(configuration.dataDirectory.path): \(error)")
            }
            say("""
            Created a demo in \(configuration.dataDirectory.path): a local CA (ca/), the gateway's keys (gateway/) and
            \(enrolled.count) demo agencies with their keys, client certificates and ura profiles (agencies/<id>/):
            \(enrolled.map { "  \($0.agency.id.rawValue.padding(toLength: 28, withPad: " ", startingAt: 0)) \($0.agency.kind.rawValue)" }.joined(separator: "\n"))
            """)
        }

        let daemon: Daemon
        do {
            daemon = try Daemon(configuration: configuration, lock: lock)
        } catch let unreachable as StoreUnreachable {
            fail("\(unreachable)", code: 69)
        } catch {
            fail("\(error)", code: 78)
        }

        let port: Int
        do { port = try daemon.start() } catch { fail("\(error)") }
        let runDirectory = configuration.dataDirectory.appendingPathComponent("run")
        try? FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        let adminPort = daemon.adminPort.map(String.init) ?? "null"
        try? Data(#"{"pid":\#(getpid()),"port":\#(port),"admin_port":\#(adminPort),"admin_host":"\#(configuration.adminHost)"}"#.utf8).write(to: runDirectory.appendingPathComponent("urad.json"))
        // ura is built and installed beside urad, so the hints work as printed without it on PATH.
        let uraBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("ura").path
        if let admin = daemon.adminPort {
            say("urad admin listener (metrics) on http://\(configuration.adminHost):\(admin)/metrics; dashboard login link: \(uraBinary) admin login-link --data-dir \(configuration.dataDirectory.path)")
        }
        say("urad \(Ura.version) listening on https://\(configuration.listenHost):\(port) (data: \(configuration.dataDirectory.path))")
        if demo {
            say(demoHints(ura: uraBinary, data: configuration.dataDirectory.path, port: port))
        }

        state.running = (daemon, runDirectory)
        signalQueue.resume()
        return sources
    }

    /// What the signal handlers share; touched only on the signal queue once urad runs.
    private final class SignalState: @unchecked Sendable {
        var running: (daemon: Daemon, runDirectory: URL)?
        // What the signals asked for runs one after the other, in the order they came: a stop
        // waits for a reload under way, so exit() never runs while a reload still uses OpenSSL,
        // whose own atexit clean-up would pull its state from under it.
        var lastSignalled: Task<Void, Never>?
    }
}
