import Foundation
import UraCrypto
import UraModel

/// A peer gateway's signed directory (federation), checked: a JWS by a signing key this gateway
/// pins for the peer (the peer's participant entry, `kind: gateway`) or one the last good copy
/// listed (so a rotated key arrives with the next signed directory); the directory is the peer's
/// own (`gateway.id` is the peer); its version is no older than the copy held; and it is inside
/// its validity window (`issued` … `valid_until`). The signature is checked by
/// `SignedObjectCheck`, like everything else Ura signs.
public struct PeerDirectory: Sendable {
    /// The directory as the peer signed it.
    public let directory: Directory
    /// The signed bytes, kept as the last good copy.
    public let signed: [UInt8]
    /// The peer's key that signed it.
    public let kid: String

    /// Why a peer's directory was refused; the last good copy stays in use.
    public enum Refusal: Error, Sendable, Equatable, CustomStringConvertible {
        case notJWS(String)
        case signature(SignedObjectCheck.Failure)
        case otherGateway(expected: AgencyID, found: AgencyID)
        case olderVersion(found: Int, held: Int)
        case noValidity
        case expired(validUntil: Date, now: Date)
        case notYetValid(issued: Date, now: Date)

        public var description: String {
            switch self {
            case .notJWS(let why): "it is not a JWS: \(why)"
            case .signature(let failure): "\(failure)"
            case .otherGateway(let expected, let found): "it is the directory of \(found), not of \(expected)"
            case .olderVersion(let found, let held): "its version \(found) is older than version \(held) already held (a replayed old directory)"
            case .noValidity: "it has no valid_until: a signed directory must say until when it is valid"
            case .expired(let until, let now):
                "its validity ended at \(RFC3339.string(from: until)) (now \(RFC3339.string(from: now))): a replayed old copy, or the peer's clock is wrong"
            case .notYetValid(let issued, let now):
                "it says it was issued at \(RFC3339.string(from: issued)), later than now (\(RFC3339.string(from: now))) allows; the peer's clock is wrong"
            }
        }

        /// A short machine word for logs and metrics.
        public var kind: String {
            switch self {
            case .notJWS: "not_jws"
            case .signature(.unknownKey): "unknown_key"
            case .signature(.invalidSignature): "bad_signature"
            case .signature: "bad_signature"
            case .otherGateway: "other_gateway"
            case .olderVersion: "older_version"
            case .noValidity, .expired, .notYetValid: "expired"
            }
        }
    }

    /// Checks `bytes`, fetched from `peer` (its entry in this gateway's directory), against what
    /// this gateway pins for it and the copy it `held` until now. `skew` is how far `issued` may be
    /// ahead of `now`. `window: false` skips the validity window, and only that: for the last good
    /// copy read back from disk at start, which stays in use until a newer one is taken.
    public static func check(_ bytes: [UInt8], from peer: Agency, held: Directory?, now: Date,
                             skew: TimeInterval = 300, window: Bool = true) throws(Refusal) -> PeerDirectory {
        let jws: ParsedJWS
        do { jws = try JWS.parse(bytes) } catch { throw .notJWS("\(error)") }
        let checked: SignedObjectCheck.Checked<Directory>
        do {
            checked = try SignedObjectCheck.verify(jws, payload: SignedObjectCheck.json(Directory.self)) { kid, _ throws(SignedObjectCheck.Failure) in
                try trustedKey(kid, of: peer, held: held, at: now)
            }
        } catch { throw .signature(error) }
        let directory = checked.payload
        guard directory.gateway.id == peer.id else { throw .otherGateway(expected: peer.id, found: directory.gateway.id) }
        if let held, directory.version < held.version { throw .olderVersion(found: directory.version, held: held.version) }
        guard let until = directory.validUntil else { throw .noValidity }
        if window {
            guard now < until else { throw .expired(validUntil: until, now: now) }
            guard directory.issued.timeIntervalSince(now) <= skew else { throw .notYetValid(issued: directory.issued, now: now) }
        }
        return PeerDirectory(directory: directory, signed: bytes, kid: checked.kid)
    }

    /// The peer's signing key `kid`: pinned in its participant entry, or listed as a gateway key by
    /// the last good copy (the peer announced it, signed with a key already trusted). Valid now, and
    /// listed under its RFC 7638 thumbprint.
    static func trustedKey(_ kid: String, of peer: Agency, held: Directory?, at now: Date) throws(SignedObjectCheck.Failure) -> VerificationKey {
        let candidates = peer.keys(for: .sig, validAt: now) + (held?.gateway.keys.filter { $0.use == .sig && $0.isValid(at: now) } ?? [])
        guard let entry = candidates.first(where: { $0.kid == kid }), let key = try? VerificationKey(jwk: entry.jwk), key.thumbprint == kid else {
            throw .unknownKey(kid: kid, reason: "is signed with key \(kid), which is not a current key of peer gateway \(peer.id) "
                              + "(its entry in this gateway's directory, or the gateway keys of its last good directory); "
                              + "if \(peer.id)'s operator announced a new key, add it with `ura admin peer add`")
        }
        return key
    }

    /// The agencies this directory's gateway relays for: its own, neither peers nor agencies it
    /// reaches through yet another gateway (a peer relays only for its own).
    public var ownAgencies: [Agency] {
        directory.agencies.filter { !$0.isPeerGateway && !$0.isForeign }
    }
}

extension Directory {
    /// This directory with the agencies behind `peer` replaced by `foreign`'s own agencies: each
    /// with `via` = the peer, its keys, no certificate pins (a foreign agency never authenticates
    /// here), and the peer's URL as where it is delivered. An id this directory already gives a
    /// local participant is not taken (`skipped`): a peer cannot shadow a local agency.
    public func merging(_ foreign: PeerDirectory, via peer: AgencyID) throws(ModelError) -> (directory: Directory, skipped: [AgencyID]) {
        guard let entry = self[peer], entry.isPeerGateway else {
            throw ModelError(field: "via", reason: "\(peer) is not a peer gateway of the directory")
        }
        var merged = self
        for agency in agencies where agency.via == peer { merged.remove(agency.id) }
        var skipped: [AgencyID] = []
        for agency in foreign.ownAgencies {
            if merged[agency.id] != nil || agency.id == gateway.id {
                skipped.append(agency.id)
                continue
            }
            merged.upsert(Agency(id: agency.id, kind: agency.kind, name: agency.name, county: agency.county, parent: agency.parent,
                                 status: agency.status, keys: agency.keys, certificates: [], delivery: entry.delivery, via: peer))
        }
        return (merged, skipped)
    }

    /// This directory without what federation merged in (the file's view).
    public var withoutForeignAgencies: Directory {
        var own = self
        for agency in agencies where agency.isForeign { own.remove(agency.id) }
        return own
    }
}
