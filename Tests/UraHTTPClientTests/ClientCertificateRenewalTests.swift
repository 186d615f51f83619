import UraTestSupport
import Foundation
import Testing
import UraHTTPClient
import UraHTTPCore
import UraHTTPTestSupport
import UraTestTraits

/// The client's side of a certificate renewal (the server's is `TLSReloadTests`).
@Suite(.offThePool) struct ClientCertificateRenewalTests {
    private let pki = TestPKI.shared

    /// The other side of a renewal: urad's push client gives its certificate and key as files, and
    /// libcurl reads them for each connection it opens, so a renewed pair is presented from the
    /// next new connection on, with no reload; a connection already open keeps the old one.
    @Test func theClientPresentsARenewedCertificateFromItsNextConnection() async throws {
        let files = try LiveCertificateFiles(pki, certificate: pki.clientCertificate, key: pki.clientKey)
        let client = HTTPClient(configuration: HTTPClientConfiguration(clientCertificate: .file(files.certificate), clientKey: .file(files.key),
                                                                       trustedAuthorities: .file(pki.caCertificate)))
        defer { client.shutdown() }
        func presented(_ port: Int) async throws -> (commonName: String?, reused: Bool) {
            let response = try await client.send(HTTPClientRequest(method: "POST", url: "https://localhost:\(port)/push", body: [1]))
            return (fields(String(decoding: response.body, as: UTF8.self))["peer.cn"], response.reusedConnection)
        }
        // The first connection must outlive the renewal (openssl, seconds on a busy machine): the
        // server keeps it an hour, not the suite's 60 s, so only a broken renewal closes it.
        try await withServer({ $0.timeouts.idle = .seconds(3600) }, handler: echoHandler) { _, first in
            let before = try await presented(first)
            #expect(before.commonName == "al.police.test" && !before.reused)
            try await blocking { [pki] in try files.renew(pki, commonName: "al.police.renewed", extensions: "client.ext") }
            let renewed = try await withServer(handler: echoHandler) { _, second in try await presented(second) }
            #expect(renewed.commonName == "al.police.renewed" && !renewed.reused)
            let open = try await presented(first)
            #expect(open.commonName == "al.police.test" && open.reused)
        }
    }
}
