import Foundation
import UraBasics
import UraCrypto
import UraJSON
import UraModel
import UraProtocol

/// A gateway's own files, in the layout urad's configuration expects (deploy/urad.example.json):
/// the certificate authority that issues agencies' client certificates (`ca/`), the gateway's JWS
/// signing key and its TLS certificate (`gateway/`), and the directory (`directory.json`).
/// `ura admin init` and `renew-tls` and urad's demo mode all make them here.
public enum GatewayProvisioning {
    /// What `initialise` made.
    public struct Initialised: Sendable {
        public let dataDirectory: URL
        /// The CA's certificate (`ca/ca.crt`).
        public let authority: Certificate
        /// The gateway's TLS certificate (`gateway/tls.crt`), server to agencies, client to push endpoints.
        public let tlsCertificate: Certificate
        /// The kid of the gateway's signing key, which every agency pins as `gateway_key`.
        public let signingKeyID: String
        /// The directory as written: the gateway alone, version 1.
        public let directory: Directory
    }

    /// The top-level items `initialise` creates, in the order they are moved into place.
    static let layout = ["ca", "gateway", "directory.json"]

    /// Sets up a new gateway in `data`: a CA, the gateway's signing key, a TLS certificate for
    /// `hosts` and a directory with the gateway alone. Never replaces anything: it refuses when any
    /// of those files exists. They are made in a staging folder inside `data` and moved into
    /// place at the end, the directory last, so a failure leaves nothing behind.
    public static func initialise(in data: URL, gatewayID: AgencyID, name: String, hosts: [HostName],
                                  now: Date) throws(ProvisioningError) -> Initialised {
        try Staging.refuseExisting(layout, in: data, "ura admin init sets up a new gateway and never replaces its keys")
        let staging = try Staging(in: data, purpose: "init")
        defer { staging.discard() }
        let made = try makeGateway(in: staging, gatewayID: gatewayID, name: name, authorityName: "\(name) CA", hosts: hosts, now: now)
        try writeDirectory(made.initialised.directory, in: staging)
        try staging.commit(layout)
        return made.initialised
    }

    /// The gateway's files made in `staging` (all but the directory file), and its CA to issue with.
    static func makeGateway(in staging: Staging, gatewayID: AgencyID, name: String, authorityName: String, hosts: [HostName],
                            now: Date) throws(ProvisioningError) -> (initialised: Initialised, authority: CertificateAuthority) {
        do {
            try staging.makeFolder("ca")
            try staging.makeFolder("gateway")
            let caKey = try SigningKey.generate(.es256)
            let ca = try CertificateAuthority.create(commonName: authorityName, key: caKey, now: now)
            try caKey.writePrivateKey(to: staging.url("ca/ca.key").path)
            try staging.write(ca.certificate.pem, to: "ca/ca.crt")

            let gatewayKey = try SigningKey.generate(.eddsa)
            try gatewayKey.writePrivateKey(to: staging.url("gateway/signing.key").path)
            try staging.write(gatewayKey.publicKey.jwk.serializedString(options: .prettyPrinted) + "\n", to: "gateway/signing.pub.json")
            // Server for the agencies, client towards their push endpoints.
            let tls = try ca.issue(commonName: gatewayID.rawValue, usage: .clientAndServer,
                                   subjectAlternativeNames: hosts.map(\.subjectAlternativeName), now: now)
            try tls.key.writePrivateKey(to: staging.url("gateway/tls.key").path)
            try staging.write(tls.certificate.pem, to: "gateway/tls.crt")

            let directory = try Directory(
                version: 1, issued: now,
                gateway: .init(id: gatewayID, name: name, keys: [DirectoryKey(kid: gatewayKey.keyID, use: .sig, jwk: gatewayKey.publicKey.jwk)]),
                agencies: [])
            return (Initialised(dataDirectory: staging.data, authority: ca.certificate, tlsCertificate: tls.certificate,
                                signingKeyID: gatewayKey.keyID, directory: directory), ca)
        } catch {
            throw ProvisioningError(.io, "could not create the gateway's files: \(error)")
        }
    }

    /// Checks `directory` as urad will when it loads it, and writes it as the staged directory.json.
    static func writeDirectory(_ directory: Directory, in staging: Staging) throws(ProvisioningError) {
        do {
            _ = try DirectorySnapshot(directory)
            try DirectoryFile.write(directory, to: staging.url("directory.json"))
        } catch {
            throw ProvisioningError(.io, "could not create the gateway's files: \(error)")
        }
    }

    /// A new TLS key and certificate for the gateway, for `hosts`, issued by its CA at `now`,
    /// replacing `gateway/tls.key` and `gateway/tls.crt` (each written whole and synced before it
    /// replaces the old one; interrupted between the two, run it again). The CA and the signing
    /// key do not change, so agencies change nothing. Returns the new certificate.
    public static func renewTLS(in data: URL, hosts: [HostName], now: Date) throws(ProvisioningError) -> Certificate {
        let gateway = data.appendingPathComponent("gateway")
        guard FileManager.default.fileExists(atPath: gateway.appendingPathComponent("tls.crt").path) else {
            throw ProvisioningError(.notSetUp, "\(gateway.appendingPathComponent("tls.crt").path) does not exist: ura admin renew-tls renews the certificate "
                                    + "of a gateway set up with ura admin init")
        }
        let ca = try certificateAuthority(in: data)
        let gatewayID: AgencyID
        do { gatewayID = try DirectoryFile.read(data.appendingPathComponent("directory.json")).gateway.id } catch {
            throw ProvisioningError(.notSetUp, "cannot read the gateway's directory in \(data.path): \(error)")
        }
        let certificate: Certificate, keyPEM: String
        do {
            let issued = try ca.issue(commonName: gatewayID.rawValue, usage: .clientAndServer,
                                      subjectAlternativeNames: hosts.map(\.subjectAlternativeName), now: now)
            (certificate, keyPEM) = (issued.certificate, try issued.key.pkcs8PEM())
        } catch {
            throw ProvisioningError(.failed, "cannot issue the gateway's TLS certificate: \(error)")
        }
        do {
            try DurableFile.write(Array(keyPEM.utf8), to: gateway.appendingPathComponent("tls.key"), mode: 0o600)
            try DurableFile.write(Array(certificate.pem.utf8), to: gateway.appendingPathComponent("tls.crt"), mode: 0o644)
        } catch {
            throw ProvisioningError(.io, error.message)
        }
        return certificate
    }

    /// The gateway's certificate authority, `ca/ca.crt` and `ca/ca.key` in `data`.
    public static func certificateAuthority(in data: URL) throws(ProvisioningError) -> CertificateAuthority {
        let certificateFile = data.appendingPathComponent("ca/ca.crt").path
        guard let pem = FileManager.default.contents(atPath: certificateFile) else {
            throw ProvisioningError(FileManager.default.fileExists(atPath: certificateFile) ? .io : .missingInput, "cannot read \(certificateFile)")
        }
        do {
            return CertificateAuthority(certificate: try Certificate(pem: String(decoding: pem, as: UTF8.self)),
                                        key: try SigningKey(contentsOfFile: data.appendingPathComponent("ca/ca.key").path))
        } catch {
            throw ProvisioningError(.notSetUp, "cannot use the CA in \(data.path)/ca: \(error)")
        }
    }
}
