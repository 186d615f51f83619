import Foundation
import UraDaemon
import UraModel

extension Daemon {
    /// urad on `data` inside this process, on free ports, logging errors only, its time `clock`:
    /// what the dashboard scenarios run the real pages against.
    static func startInProcess(data: URL, schemas: URL, clock: any WallClock) throws -> Daemon {
        let configuration = try GatewayConfiguration.load(file: nil, environment: ["URA_LISTEN__PORT": "0", "URA_ADMIN__PORT": "0",
                                                                                   "URA_LOG_LEVEL": "error", "URA_SCHEMAS": schemas.path],
                                                          dataDirectory: data.path)
        let daemon = try Daemon(configuration: configuration, clock: clock)
        try daemon.start(background: false)
        return daemon
    }
}
