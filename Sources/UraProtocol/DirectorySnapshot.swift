import Foundation
import Synchronization
import UraCrypto
import UraJSON
import UraModel

/// The directory as the gateway uses it: the agencies, each signing key parsed once and indexed by
/// `kid`, each agency's encryption key ids, and the certificate pins that map a TLS client to an
/// agency. Built when the directory is loaded; a key that does not parse stops the load.
public struct DirectorySnapshot: Sendable {
    public let directory: Directory

    struct SigningKeyEntry: Sendable {
        let agency: AgencyID
        let key: VerificationKey
        let entry: DirectoryKey
    }

    let signingKeys: [String: SigningKeyEntry]
    let encryptionKeys: [AgencyID: [(entry: DirectoryKey, key: AgreementPublicKey)]]
    let pins: [String: AgencyID]

    public init(_ directory: Directory) throws(ModelError) {
        var signing: [String: SigningKeyEntry] = [:]
        var encryption: [AgencyID: [(DirectoryKey, AgreementPublicKey)]] = [:]
        var pins: [String: AgencyID] = [:]
        for (i, agency) in directory.agencies.enumerated() {
            for (k, entry) in agency.keys.enumerated() {
                let field = "agencies[\(i)].keys[\(k)]"
                do {
                    switch entry.use {
                    case .sig:
                        let key = try VerificationKey(jwk: entry.jwk)
                        guard key.thumbprint == entry.kid else {
                            throw ModelError(field: field + ".kid", reason: "is \(entry.kid) but the key's RFC 7638 thumbprint is \(key.thumbprint)")
                        }
                        if let other = signing[entry.kid], other.agency != agency.id {
                            throw ModelError(field: field, reason: "the key \(entry.kid) is already registered for \(other.agency)")
                        }
                        signing[entry.kid] = SigningKeyEntry(agency: agency.id, key: key, entry: entry)
                    case .enc:
                        let key = try AgreementPublicKey(jwk: entry.jwk)
                        guard key.thumbprint == entry.kid else {
                            throw ModelError(field: field + ".kid", reason: "is \(entry.kid) but the key's RFC 7638 thumbprint is \(key.thumbprint)")
                        }
                        encryption[agency.id, default: []].append((entry, key))
                    }
                } catch let error as ModelError {
                    throw error
                } catch {
                    throw ModelError(field: field + ".jwk", reason: "\(error)")
                }
            }
            for pin in agency.certificates {
                for key in [pin.sha256.map { "sha256:" + $0 }, pin.spkiSHA256.map { "spki:" + $0 }].compactMap({ $0 }) {
                    if let other = pins[key], other != agency.id {
                        throw ModelError(field: "agencies[\(i)].certificates", reason: "the certificate is already registered for \(other)")
                    }
                    pins[key] = agency.id
                }
            }
        }
        self.directory = directory
        self.signingKeys = signing
        self.encryptionKeys = encryption
        self.pins = pins
    }

    public subscript(id: AgencyID) -> Agency? { directory[id] }

    /// The agency a client certificate belongs to, by the SHA-256 of the certificate or of its
    /// public key (lowercase hex).
    public func agency(certificateSHA256: String?, spkiSHA256: String?) -> AgencyID? {
        certificateSHA256.flatMap { pins["sha256:" + $0] } ?? spkiSHA256.flatMap { pins["spki:" + $0] }
    }

    /// The verification key `kid` if it is registered for `agency` and valid at `date`.
    package func signingKey(kid: String, agency: AgencyID, at date: Date) -> VerificationKey? {
        guard let entry = signingKeys[kid], entry.agency == agency, entry.entry.isValid(at: date) else { return nil }
        return entry.key
    }

    /// Which agency a signing key is registered for, whatever its validity.
    package func owner(ofSigningKey kid: String) -> (agency: AgencyID, entry: DirectoryKey)? {
        signingKeys[kid].map { ($0.agency, $0.entry) }
    }

    /// The encryption keys of `agency` valid at `date`.
    public func encryptionKeys(of agency: AgencyID, at date: Date) -> [AgreementPublicKey] {
        (encryptionKeys[agency] ?? []).filter { $0.entry.isValid(at: date) }.map(\.key)
    }

    /// The kids of the agency's encryption keys valid at `date` (a retired key may be one that
    /// leaked: nothing new is accepted sealed to it alone).
    package func encryptionKeyIDs(of agency: AgencyID, at date: Date) -> Set<String> {
        Set((encryptionKeys[agency] ?? []).filter { $0.entry.isValid(at: date) }.map(\.entry.kid))
    }
}
