import Foundation
import UraBasics
import UraCrypto
import UraModel
import UraProtocol

/// An agency's three keys — Ed25519 (or P-256, ES256) to sign, X25519 to receive encrypted forms, P-256 for its TLS
/// client certificate — as `ura keys generate` and the demo make them: private keys 0600 in a 0700
/// folder, never overwritten, and `keys.json` with the public halves for enrolment.
public struct AgencyKeys: Sendable {
    public let agency: AgencyID?
    public let signing: SigningKey
    public let encryption: AgreementPrivateKey
    public let tls: SigningKey

    /// The public halves, as `keys.json` holds them.
    public var publicKeys: KeysFile { KeysFile(agency: agency, signing: signing.publicKey, encryption: encryption.publicKey) }

    /// Generates the keys into `folder` (created 0700 if needed): `signing.key`, `encryption.key`,
    /// `tls.key` and `keys.json`. Refuses to replace any of them: use an empty folder. `signing` is
    /// the signature algorithm: EdDSA (Ed25519, the default) or ES256, which the gateway verifies
    /// in about two thirds of the time (docs/benchmarks.md).
    public static func generate(in folder: URL, agency: AgencyID?, signing: SignatureAlgorithm = .eddsa) throws(ProvisioningError) -> AgencyKeys {
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let keys = AgencyKeys(agency: agency, signing: try SigningKey.generate(signing), encryption: try AgreementPrivateKey.generate(.x25519),
                                  tls: try SigningKey.generate(.es256))
            try keys.signing.writePrivateKey(to: folder.appendingPathComponent("signing.key").path)
            try keys.encryption.writePrivateKey(to: folder.appendingPathComponent("encryption.key").path)
            try keys.tls.writePrivateKey(to: folder.appendingPathComponent("tls.key").path)
            try keys.publicKeys.create(at: folder.appendingPathComponent("keys.json"))
            return keys
        } catch let error as CryptoError {
            throw ProvisioningError(.io, "\(error) (the keys were not all written; use an empty folder)")
        } catch let error as FileError {
            throw ProvisioningError(.io, "cannot write the keys in \(folder.path): \(error)")
        } catch {
            throw ProvisioningError(.io, "cannot write the keys in \(folder.path): \(error.localizedDescription)")
        }
    }

    /// A certificate signing request for the TLS key, naming the agency.
    public func certificateRequest(for agency: AgencyID) throws(ProvisioningError) -> CertificateSigningRequest {
        do { return try CertificateSigningRequest.create(commonName: agency.rawValue, key: tls) } catch {
            throw ProvisioningError(.failed, "cannot make the certificate request for \(agency): \(error)")
        }
    }

    /// `ura cert request`: a certificate signing request naming `agency` for the TLS key in
    /// `keyFile`, written to `out`, which must not exist yet.
    public static func requestCertificate(for agency: AgencyID, keyFile: URL, writingTo out: URL) throws(ProvisioningError) -> CertificateSigningRequest {
        let request: CertificateSigningRequest
        do { request = try CertificateSigningRequest.create(commonName: agency.rawValue, key: try SigningKey(contentsOfFile: keyFile.path)) } catch {
            throw ProvisioningError(.invalidInput, "cannot make the request with \(keyFile.path): \(error)")
        }
        do { try DurableFile.create(Array(request.pem.utf8), at: out, mode: 0o644) } catch {
            throw ProvisioningError(.io, error.message)
        }
        return request
    }
}
