import UraBasics
import UraClient
import Foundation
import UraHTTPCore
import UraModel
import UraProtocol
import UraProvisioning

/// What `ura admin enrol` asks for one agency, and the directory entry it makes of it. A new agency
/// gets a new entry. An agency already enrolled is re-enrolled: its status and kind stay, what the
/// operator does not give (name, delivery, county, parent) stays, its old keys are retired rather
/// than dropped (what they signed still verifies; nobody encrypts to them), and its old certificate
/// pins stay unless revoked.
struct Enrolment {
    var kind: AgencyKind
    var name: String?
    var county: County?
    var parent: AgencyID?
    /// nil: keep the agency's delivery mode (pull for a new agency).
    var delivery: DeliveryMode?
    /// The keys from keys.json: its signing and its encryption key.
    var keys: [DirectoryKey]
    var pin: CertificatePin
    var revokeOldCertificates = false

    /// The agency's entry after enrolment at `now`, and a sentence per change for the operator.
    func apply(to existing: Agency?, id: AgencyID, at now: Date) throws -> (agency: Agency, changes: [String]) {
        if let name, name.trimmingCharacters(in: .whitespaces).isEmpty { throw UsageError("--name must not be empty") }
        guard let existing else {
            guard let name else { throw UsageError("--name is required to enrol \(id), which is not in the directory yet") }
            return (Agency(id: id, kind: kind, name: name, county: county, parent: parent, keys: keys, certificates: [pin],
                           delivery: delivery ?? .pull), [])
        }
        guard existing.kind == kind else {
            throw UsageError("--kind: \(id) is enrolled as \(existing.kind.rawValue), not \(kind.rawValue); the kind decides the routing rules, "
                             + "so changing it is not a re-enrolment — enrol the new role under an id of its own")
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
                    throw ClientError("keys.json's \(key.use.label) key \(key.kid) was retired for \(id) at \(RFC3339.string(from: notAfter)); "
                                   + "a retired key is not taken back — generate new keys with `ura keys generate`", .dataError)
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
