import Foundation
import Synchronization
import UraHTTPClient
import UraHTTPCore
import UraModel

/// The HTTPS clients this gateway calls its peer gateways with: its own TLS certificate and key
/// as the client certificate, each peer's server certificate checked against that peer's CA
/// (`peers/<peer-id>/ca.pem` in the data directory). One libcurl client per peer, kept alive.
public final class PeerLinks: Sendable {
    public struct Settings: Sendable {
        /// The gateway's TLS certificate and key (`tls.certificate`, `tls.private_key`).
        public var certificate: URL
        public var privateKey: URL
        /// The data directory's `peers/` folder.
        public var folder: URL
        public var connectTimeout: Duration
        public var timeout: Duration

        public init(certificate: URL, privateKey: URL, folder: URL, connectTimeout: Duration = .seconds(10), timeout: Duration = .seconds(30)) {
            self.certificate = certificate
            self.privateKey = privateKey
            self.folder = folder
            self.connectTimeout = connectTimeout
            self.timeout = timeout
        }
    }

    public let settings: Settings
    private let clients = Mutex<[AgencyID: HTTPClient]>([:])

    public init(_ settings: Settings) { self.settings = settings }

    /// Where the CA of `peer` is kept.
    public func caFile(of peer: AgencyID) -> URL {
        settings.folder.appendingPathComponent(peer.rawValue, isDirectory: true).appendingPathComponent("ca.pem")
    }

    /// Sends `request` to `peer`; a missing CA or an unreachable peer is a sentence naming it.
    func send(_ request: HTTPClientRequest, to peer: AgencyID) async throws(FederationError) -> HTTPClientResponse {
        let client = try client(for: peer)
        do { return try await client.send(request) } catch {
            throw FederationError("\(peer) at \(request.url) cannot be reached: \(error)")
        }
    }

    private func client(for peer: AgencyID) throws(FederationError) -> HTTPClient {
        if let client = clients.withLock({ $0[peer] }) { return client }
        let ca = caFile(of: peer)
        guard FileManager.default.isReadableFile(atPath: ca.path) else {
            throw FederationError("there is no CA for peer gateway \(peer) at \(ca.path); add the peer with `ura admin peer add`")
        }
        let made = HTTPClient(configuration: HTTPClientConfiguration(
            clientCertificate: .file(settings.certificate.path), clientKey: .file(settings.privateKey.path), trustedAuthorities: .file(ca.path),
            connectTimeout: settings.connectTimeout, timeout: settings.timeout, userAgent: "urad-federation/1"))
        let (client, spare) = clients.withLock { current -> (HTTPClient, HTTPClient?) in
            if let existing = current[peer] { return (existing, made) }
            current[peer] = made
            return (made, nil)
        }
        spare?.shutdown()
        return client
    }

    /// Drops the clients (their CA may have changed): the next call makes new ones.
    public func reset() {
        let old = clients.withLock { current in defer { current = [:] }; return Array(current.values) }
        for client in old { client.shutdown() }
    }

    public func shutdown() { reset() }
}

/// What went wrong between this gateway and a peer, as a sentence for the log and the dashboard.
public struct FederationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
