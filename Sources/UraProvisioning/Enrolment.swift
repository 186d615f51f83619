import Foundation
import UraBasics
import UraCrypto
import UraModel
import UraProtocol

/// What the operator asks for one agency when enrolling it, and the directory entry it makes. A
/// new agency gets a new entry. An agency already enrolled is re-enrolled: its status and kind
/// stay, what the operator does not give (name, delivery, receipts, county, parent) stays, its old keys are
/// retired rather than dropped (what they signed still verifies; nobody encrypts to them), and its
/// old certificate pins stay unless revoked.
public struct Enrolment: Sendable {
    public var kind: AgencyKind
    public var name: String?
    public var county: County?
    public var parent: AgencyID?
    /// nil: keep the agency's delivery mode (pull for a new agency).
    public var delivery: DeliveryMode?
    /// nil: keep how its accepted receipts are signed (per message for a new agency).
    public var receipts: Agency.ReceiptSigning?
    public var revokeOldCertificates: Bool

    public init(kind: AgencyKind, name: String? = nil, county: County? = nil, parent: AgencyID? = nil, delivery: DeliveryMode? = nil,
                receipts: Agency.ReceiptSigning? = nil, revokeOldCertificates: Bool = false) {
        self.kind = kind
        self.name = name
        self.county = county
        self.parent = parent
        self.delivery = delivery
        self.receipts = receipts
        self.revokeOldCertificates = revokeOldCertificates
    }

    /// `ura admin enrol`: enrols the agency `request` names in `data`'s directory.json. Its client
    /// certificate is issued by the gateway's CA and written to `certificateFile` (default
    /// `agencies/<id>.crt` in `data`, the folder made if need be), the directory is written with its version raised. The
    /// certificate goes first, under a temporary name beside its place: a path that cannot be
    /// written stops the enrolment before the directory changes, and an earlier certificate at
    /// that path is replaced only once the directory pins the new one.
    public func apply(request: CertificateSigningRequest, keys: KeysFile, in data: URL, certificateFile: URL? = nil,
                      now: Date) throws(ProvisioningError) -> Enrolled {
        let ca = try GatewayProvisioning.certificateAuthority(in: data)
        let file = data.appendingPathComponent("directory.json")
        var directory: Directory
        do { directory = try DirectoryFile.read(file) } catch { throw ProvisioningError(.notSetUp, "\(error)") }
        var enrolled = try enrol(request, keys: keys, into: &directory, authority: ca, now: now)
        directory.version += 1
        directory.issued = now
        enrolled.directoryVersion = directory.version

        let out = certificateFile ?? data.appendingPathComponent("agencies/\(enrolled.agency.id).crt")
        if certificateFile == nil {
            // `ura admin init` makes no agencies/ folder: the first enrolment does.
            try? FileManager.default.createDirectory(at: out.deletingLastPathComponent(), withIntermediateDirectories: false,
                                                     attributes: [.posixPermissions: 0o700])
        }
        let staged = out.deletingLastPathComponent().appendingPathComponent(".\(out.lastPathComponent).\(UUID().uuidString)")
        do { try DurableFile.create(Array(enrolled.certificate.pem.utf8), at: staged, mode: 0o644) } catch {
            throw ProvisioningError(.io, "cannot write the certificate to \(out.deletingLastPathComponent().path) (\(error)); nothing was enrolled")
        }
        do { try DirectoryFile.write(directory, to: file) } catch {
            try? FileManager.default.removeItem(at: staged)
            throw ProvisioningError(.io, "\(error); nothing was enrolled")
        }
        guard rename(staged.path, out.path) == 0 else {
            throw ProvisioningError(.io, "the directory now lists \(enrolled.agency.id), but the certificate could not be moved to \(out.path) "
                                    + "(\(String(cString: strerror(errno)))); it is in \(staged.path)")
        }
        enrolled.certificateFile = out
        return enrolled
    }

    /// Enrols the agency `request` names into `directory` in memory (its version and time are the
    /// caller's): issues the certificate with `authority` and checks the directory as urad will.
    /// `directory` changes only when all of it succeeds.
    public func enrol(_ request: CertificateSigningRequest, keys: KeysFile, into directory: inout Directory, authority: CertificateAuthority,
                      now: Date) throws(ProvisioningError) -> Enrolled {
        guard let name = request.commonName, let id = try? AgencyID(name) else {
            throw ProvisioningError(.invalidInput, "the request's common name '\(request.commonName ?? "")' is not an agency id")
        }
        if let claimed = keys.agency, claimed != id {
            throw ProvisioningError(.invalidInput, "keys.json is for \(claimed) but the request is for \(id)")
        }
        let certificate: Certificate
        do { certificate = try authority.issue(request, usage: .client, now: now) } catch {
            throw ProvisioningError(.failed, "cannot issue the certificate: \(error)")
        }
        let existing = directory[id]
        let (agency, changes) = try entry(after: existing, id: id, keys: keys.directoryKeys,
                                          pin: CertificatePin(sha256: certificate.sha256Fingerprint), at: now)
        var changed = directory
        changed.upsert(agency)
        do { _ = try DirectorySnapshot(changed) } catch { throw ProvisioningError(.invalidInput, "the directory would not be valid: \(error)") }
        directory = changed
        let gatewayKeys = directory.gateway.keys.filter { $0.use == .sig && $0.isValid(at: now) }.map(\.kid)
        return Enrolled(agency: agency, isReEnrolment: existing != nil, changes: changes, certificate: certificate, certificateFile: nil,
                        directoryVersion: directory.version, gatewayID: directory.gateway.id, gatewaySigningKeyIDs: gatewayKeys)
    }

    /// The agency's entry after enrolment at `now`, and a sentence per change for the operator.
    func entry(after existing: Agency?, id: AgencyID, keys: [DirectoryKey], pin: CertificatePin,
               at now: Date) throws(ProvisioningError) -> (agency: Agency, changes: [String]) {
        if let name, name.trimmingCharacters(in: .whitespaces).isEmpty { throw ProvisioningError(.invalidArgument, "name must not be empty") }
        guard let existing else {
            guard let name else { throw ProvisioningError(.invalidArgument, "name is required to enrol \(id), which is not in the directory yet") }
            return (Agency(id: id, kind: kind, name: name, county: county, parent: parent, keys: keys, certificates: [pin],
                           delivery: delivery ?? .pull, receipts: receipts ?? .perMessage), [])
        }
        guard existing.kind == kind else {
            throw ProvisioningError(.invalidArgument, "kind: \(id) is enrolled as \(existing.kind.rawValue), not \(kind.rawValue); the kind decides "
                                    + "the routing rules, so changing it is not a re-enrolment — enrol the new role under an id of its own")
        }
        var agency = existing
        var changes: [String] = []
        if let name, name != existing.name {
            agency.name = name
            changes.append("name: '\(existing.name)' is now '\(name)'")
        }
        if let delivery, delivery != existing.delivery {
            agency.delivery = delivery
            changes.append("delivery: \(existing.delivery.summary) is now \(delivery.summary)")
        }
        if let receipts, receipts != existing.receipts {
            agency.receipts = receipts
            changes.append("receipts: \(existing.receipts.rawValue) is now \(receipts.rawValue)")
        }
        if let county, county != existing.county {
            agency.county = county
            changes.append("county: \(existing.county?.rawValue ?? "none") is now \(county.rawValue)")
        }
        if let parent, parent != existing.parent {
            agency.parent = parent
            changes.append("parent: \(existing.parent?.rawValue ?? "none") is now \(parent)")
        }

        var added: [String] = [], retired: [String] = []
        for key in keys {
            if let listed = existing.keys.first(where: { $0.kid == key.kid }) {
                if let notAfter = listed.notAfter, notAfter <= now {
                    throw ProvisioningError(.invalidInput, "keys.json's \(key.use.label) key \(key.kid) was retired for \(id) at "
                                            + "\(RFC3339.string(from: notAfter)); a retired key is not taken back — generate new keys with `ura keys generate`")
                }
            } else {
                agency.keys.append(key)
                added.append("\(key.use.label) \(key.kid)")
            }
        }
        let kept = Set(keys.map(\.kid))
        for i in agency.keys.indices where !kept.contains(agency.keys[i].kid) {
            if let notAfter = agency.keys[i].notAfter, notAfter <= now { continue }
            agency.keys[i].notAfter = now
            retired.append("\(agency.keys[i].use.label) \(agency.keys[i].kid)")
        }
        if !added.isEmpty { changes.append("keys added: " + added.joined(separator: ", ")) }
        if !retired.isEmpty {
            changes.append("keys retired at \(RFC3339.string(from: now)) (still listed, so what they signed still verifies; nobody encrypts to them): "
                           + retired.joined(separator: ", "))
        }

        let older = existing.certificates.filter { $0 != pin }
        agency.certificates = (revokeOldCertificates ? [] : older) + [pin]
        changes.append("certificate added: SHA-256 \(pin.sha256 ?? pin.spkiSHA256 ?? "?")")
        if !older.isEmpty {
            changes.append(revokeOldCertificates
                ? "older certificates revoked: \(older.count)"
                : "older certificates still accepted: \(older.count); once the agency uses the new one, remove their pins from the directory")
        }
        if existing.status == .suspended {
            changes.append("\(id) is suspended and stays suspended: it can neither send nor receive until an operator sets its status to active in the directory")
        }
        return (agency, changes)
    }
}

extension DeliveryMode {
    var summary: String {
        switch self {
        case .pull: "pull (inbox)"
        case .push(let url): "push to \(url)"
        }
    }
}

extension DirectoryKey.Use {
    var label: String {
        switch self {
        case .sig: "signing"
        case .enc: "encryption"
        }
    }
}
