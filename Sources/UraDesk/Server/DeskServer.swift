import Foundation
import UraHTTPCore
import UraHTTPServer

/// The desk's listener: plain HTTP on 127.0.0.1 only (the browser is on the same computer; no
/// certificate to install), on the given port or one the system picks.
public final class DeskServer: Sendable {
    public let desk: Desk
    let server: HTTPServer
    public let port: Int

    /// Starts listening; the login link is `url`.
    public init(desk: Desk, port: Int = 0) throws {
        self.desk = desk
        server = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: port, tls: nil), handler: desk)
        self.port = try server.start()
        desk.access.listening(on: self.port)
    }

    /// `http://127.0.0.1:PORT/?token=TOKEN`, while the token has not been used.
    public var url: String { "http://127.0.0.1:\(port)/?token=\(desk.access.token ?? "")" }

    public func shutdown() async { await server.shutdown(gracePeriod: .seconds(2)) }
}
