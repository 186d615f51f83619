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
import UraModel
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite

/// An agency's push endpoint, as a shelter would run it: a TLS server with a certificate from the
/// demo CA that takes a pushed message, checks and decrypts it with the shelter's own keys, keeps
/// the form, and answers with the shelter's signed delivered receipt.
package final class PushEndpoint: @unchecked Sendable {
    let server: HTTPServer
    let port: Int
    package let received = ReceivedForms()

    package final class ReceivedForms: Sendable {
        private let items = Mutex<[(envelope: Envelope, form: JSONValue)]>([])
        func append(_ item: (envelope: Envelope, form: JSONValue)) { items.withLock { $0.append(item) } }
        package var all: [(envelope: Envelope, form: JSONValue)] { items.withLock { $0 } }
    }

    init(data: URL, agency: String) throws {
        let folder = data.appendingPathComponent("agencies/\(agency)")
        let signing = try SigningKey(contentsOfFile: folder.appendingPathComponent("signing.key").path)
        let encryption = try AgreementPrivateKey(contentsOfFile: folder.appendingPathComponent("encryption.key").path)
        let me = try AgencyID(agency)
        let received = self.received
        server = HTTPServer(configuration: HTTPServerConfiguration(
            tls: try DemoSetup.pushEndpointTLS(in: data, agency: agency)),
                            handler: HTTPClosureHandler { request in
            do {
                guard request.peer?.chainVerified == true else { return HTTPResponse(status: 401, contentType: "text/plain", body: "who are you?") }
                let jws = try JWS.parse(request.body)
                let envelope = try JSONDecoder().decode(Envelope.self, from: Data(jws.payload))
                let form = try JSONValue(parsing: try JWE.parse(json: envelope.body).decrypt(with: encryption).plaintext)
                received.append((envelope, form))
                let digest = Base64URL.encode(SHA256.hash(jws.signingInput()))
                let receipt = try MessageComposer.deliveredReceipt(for: envelope.id, digest: digest, by: me, key: signing)
                return HTTPResponse(status: 200, headers: ["Content-Type": "application/jose+json"], body: receipt)
            } catch {
                return HTTPResponse(status: 400, contentType: "text/plain", body: "\(error)")
            }
        })
        port = try server.start()
    }

    func stop() async { await server.shutdown(gracePeriod: .seconds(1)) }
}
