import Foundation
import UraBasics
import UraClient
import UraDesk
import UraJSON
import UraModel

/// `ura desk`: serves the agency's client as a local web page on 127.0.0.1 and prints the one
/// line with its one-time login link; runs (sending the outbox, fetching the inbox, reading
/// receipts) until it is stopped.
enum DeskCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: ["port"], flags: ["open", "json"])
        let port = try args.intOption("port", default: 0)
        guard (0...65_535).contains(port) else { throw UsageError("--port: give a port number from 1 to 65535 (0 or none: one the system picks)") }
        let profile = try context.profile()
        try profile.checkTLSFiles()
        let desk: Desk
        do { desk = try Desk(profile: profile, catalogue: try context.catalogue(), connection: try context.connection(timeout: .seconds(60))) } catch let error as DeskError {
            throw ClientError(error.message, .ioError)
        }
        let server: DeskServer
        do { server = try DeskServer(desk: desk, port: port) } catch {
            throw ClientError("cannot listen on 127.0.0.1:\(port): \(error)", .unavailable)
        }
        // One line: the link (a script reads it; the person opens it).
        Terminal.out(args.flag("json") ? JSONValue.object(["desk": .string(server.url), "port": .number(Double(server.port))]).serializedString()
                                       : "desk: \(server.url)")
        if args.flag("open") { open(server.url) }
        await desk.run()
        await server.shutdown()
        desk.close()
    }

    /// Opens the link in the person's browser (xdg-open); where there is none, the printed line is enough.
    static func open(_ url: String) {
        let path = (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":")
            .map { "\($0)/xdg-open" }.first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let path else { return Terminal.error("there is no xdg-open to start a browser with; open the link above") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = [url]
        do { try process.run() } catch { Terminal.error("cannot open a browser (\(error)); open the link above") }
    }
}
