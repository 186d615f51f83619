import Foundation
import UraBasics
import UraCrypto
import UraJSON
import UraModel
import UraProtocol

/// What one gateway hands another's operator to be peered (federation, `docs/federation.md`): its
/// id, name and URL, its CA (which verifies its server certificate), the pin of its TLS
/// certificate (which it presents as a client) and its signing keys (which sign its directory and
/// receipts). Exchanged out of band, as an agency's `gateway_key` is: whoever can change a card in
/// transit can impersonate the peer.
public struct PeerCard: Codable, Sendable, Equatable {
    public var id: AgencyID
    public var name: String
    public var url: String
    /// The peer's CA certificate, PEM.
    public var ca: String
    public var certificate: CertificatePin
    public var keys: [DirectoryKey]

    enum CodingKeys: String, CodingKey { case id, name, url, ca, certificate, keys }

    public init(id: AgencyID, name: String, url: String, ca: String, certificate: CertificatePin, keys: [DirectoryKey]) {
        self.id = id
        self.name = name
        self.url = url
        self.ca = ca
        self.certificate = certificate
        self.keys = keys
    }
}

/// `ura admin peer card|add|list|remove`: a data directory's peer gateways, as participants of
/// kind gateway in `directory.json` and their CAs in `peers/<peer-id>/ca.pem`.
public enum Peering {
    /// The card of the gateway set up in `data`, reachable at `url`.
    public static func card(of data: URL, url: String) throws(ProvisioningError) -> PeerCard {
        let directory = try read(data)
        func text(_ path: String) throws(ProvisioningError) -> String {
            guard let bytes = FileManager.default.contents(atPath: data.appendingPathComponent(path).path) else {
                throw ProvisioningError(.notSetUp, "cannot read \(data.appendingPathComponent(path).path); is \(data.path) a gateway's data directory?")
            }
            return String(decoding: bytes, as: UTF8.self)
        }
        let certificate: Certificate
        do { certificate = try Certificate(pem: try text("gateway/tls.crt")) } catch let error as ProvisioningError { throw error } catch {
            throw ProvisioningError(.invalidInput, "the gateway's TLS certificate gateway/tls.crt cannot be read: \(error)")
        }
        guard url.hasPrefix("https://") else { throw ProvisioningError(.invalidArgument, "url: a gateway's URL is https://…, not \(url)") }
        return PeerCard(id: directory.gateway.id, name: directory.gateway.name, url: url, ca: try text("ca/ca.crt"),
                        certificate: CertificatePin(sha256: certificate.sha256Fingerprint), keys: directory.gateway.keys.filter { $0.use == .sig })
    }

    /// Adds `card`'s gateway as a peer of the gateway in `data` (or replaces it): its CA, then the
    /// directory with its version raised. Returns the directory written.
    @discardableResult
    public static func add(_ card: PeerCard, to data: URL, now: Date = Date()) throws(ProvisioningError) -> Directory {
        var directory = try read(data)
        guard card.id != directory.gateway.id else { throw ProvisioningError(.invalidArgument, "card: \(card.id) is this gateway itself") }
        if let existing = directory[card.id], !existing.isPeerGateway {
            throw ProvisioningError(.invalidArgument, "card: \(card.id) is an agency of this gateway, not a peer")
        }
        guard card.url.hasPrefix("https://") else { throw ProvisioningError(.invalidArgument, "url: a peer's URL is https://…, not \(card.url)") }
        guard !card.keys.isEmpty, card.keys.allSatisfy({ $0.use == .sig }) else {
            throw ProvisioningError(.invalidInput, "the card of \(card.id) lists no signing key (keys, use sig): its directory could not be checked")
        }
        for key in card.keys {
            guard let parsed = try? VerificationKey(jwk: key.jwk), parsed.thumbprint == key.kid else {
                throw ProvisioningError(.invalidInput, "the card's key \(key.kid) is not a public key listed under its RFC 7638 thumbprint")
            }
        }
        do { _ = try Certificate(pem: card.ca) } catch {
            throw ProvisioningError(.invalidInput, "the card's CA certificate cannot be read: \(error)")
        }
        directory.upsert(Agency(id: card.id, kind: .gateway, name: card.name, keys: card.keys, certificates: [card.certificate],
                                delivery: .push(url: card.url)))
        directory.version += 1
        directory.issued = now
        do { _ = try DirectorySnapshot(directory) } catch {
            throw ProvisioningError(.invalidInput, "the peer cannot be added: \(error)")
        }
        let folder = data.appendingPathComponent("peers/\(card.id)", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            try DurableFile.write(Array(card.ca.utf8), to: folder.appendingPathComponent("ca.pem"), mode: 0o644)
        } catch {
            throw ProvisioningError(.io, "cannot write \(folder.path)/ca.pem (\(error)); the peer was not added")
        }
        try write(directory, to: data)
        return directory
    }

    /// Removes the peer `id` (its directory entry, its CA and last directory); returns the directory written.
    @discardableResult
    public static func remove(_ id: AgencyID, from data: URL, now: Date = Date()) throws(ProvisioningError) -> Directory {
        var directory = try read(data)
        guard let peer = directory[id], peer.isPeerGateway else {
            throw ProvisioningError(.invalidArgument, "peer: \(id) is not a peer gateway of this gateway (see `ura admin peer list`)")
        }
        directory.remove(id)
        directory.version += 1
        directory.issued = now
        try write(directory, to: data)
        try? FileManager.default.removeItem(at: data.appendingPathComponent("peers/\(id)", isDirectory: true))
        return directory
    }

    /// The peer gateways of the gateway in `data`.
    public static func list(in data: URL) throws(ProvisioningError) -> [Agency] { try read(data).peers }

    private static func read(_ data: URL) throws(ProvisioningError) -> Directory {
        do { return try DirectoryFile.read(data.appendingPathComponent("directory.json")) } catch {
            throw ProvisioningError(.notSetUp, "\(error)")
        }
    }

    private static func write(_ directory: Directory, to data: URL) throws(ProvisioningError) {
        do { try DirectoryFile.write(directory, to: data.appendingPathComponent("directory.json")) } catch {
            throw ProvisioningError(.io, "\(error)")
        }
    }
}
