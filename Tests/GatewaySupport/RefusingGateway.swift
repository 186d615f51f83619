import Foundation
import Synchronization
@testable import UraCLI
@testable import UraClient
import UraCrypto
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite

/// A stand-in gateway that serves the demo's directory, signed with the demo gateway's key, and
/// refuses every message with the status and problem type a test sets: how `ura` meets a busy
/// gateway or a suspension, which urad cannot be made to answer on cue. TLS from the demo's CA,
/// as for PushEndpoint.
package final class RefusingGateway: @unchecked Sendable {
    let server: HTTPServer
    let port: Int
    private let answer = Answer()

    final class Answer: Sendable {
        private let value = Mutex<(status: Int, slug: String?)>((503, nil))
        func set(_ status: Int, _ slug: String?) { value.withLock { $0 = (status, slug) } }
        var current: (status: Int, slug: String?) { value.withLock { $0 } }
    }

    package init(data: URL) throws {
        let directory = try DirectoryFile.read(data.appendingPathComponent("directory.json"))
        let key = try SigningKey(contentsOfFile: data.appendingPathComponent("gateway/signing.key").path)
        let signedDirectory = try JWS.sign(payload: try JSONValueDecoder.reencode(directory), header: ["typ": "ura-directory+json"], with: key).serialized()
        let answer = self.answer
        server = HTTPServer(configuration: HTTPServerConfiguration(tls: try DemoSetup.pushEndpointTLS(in: data, agency: "al.ura.gateway")),
                            handler: HTTPClosureHandler { request in
            if request.method == "GET" && request.path == "/v1/directory" {
                return HTTPResponse(status: 200, headers: ["Content-Type": "application/jose+json"], body: signedDirectory)
            }
            let (status, slug) = answer.current
            var problem: JSONObject = ["title": "Refused by a test", "status": .number(Double(status)), "detail": "the stand-in gateway refuses everything"]
            if let slug { problem["type"] = .string(ProblemType.base + slug) }
            return HTTPResponse(status: status, headers: ["Content-Type": "application/problem+json"], body: JSONValue.object(problem).serialized())
        })
        port = try server.start()
    }

    package var url: String { "https://127.0.0.1:\(port)" }

    /// Refuses from now on with `status` and the problem type `slug` (none when nil).
    package func refuse(_ status: Int, _ slug: String?) { answer.set(status, slug) }

    package func stop() async { await server.shutdown(gracePeriod: .seconds(1)) }
}
