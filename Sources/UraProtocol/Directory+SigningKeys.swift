import UraCrypto
import UraModel

/// The key sources of `SignedObjectCheck` on an agency's side: what a directory the agency
/// checked lists, and what the profile pins. (The gateway's own source is
/// `DirectorySnapshot.signingKey(kid:agency:at:)`, which also checks validity at submission.)
extension Directory {
    /// The gateway's signing key `kid` as this directory lists it, and only when `kid` is its
    /// RFC 7638 thumbprint. What the gateway signs besides the directory — receipts, tree heads,
    /// notices — is checked against these: the pins decide which directory to trust, the directory
    /// which gateway keys and until when, so a retired key need not stay pinned for its old
    /// receipts to check.
    public func gatewaySigningKey(_ kid: String) throws(SignedObjectCheck.Failure) -> (key: VerificationKey, entry: DirectoryKey) {
        guard let entry = gateway.keys.first(where: { $0.kid == kid && $0.use == .sig }),
              let key = try? VerificationKey(jwk: entry.jwk), key.thumbprint == kid else {
            throw .unknownKey(kid: kid, reason: "is signed with gateway key \(kid), but the directory does not list that key for \(gateway.id)")
        }
        return (key, entry)
    }

    /// The signing key `kid` this directory lists for `signer`: the gateway's or an agency's.
    public func signingKey(_ kid: String, of signer: AgencyID) throws(SignedObjectCheck.Failure) -> (key: VerificationKey, entry: DirectoryKey) {
        if signer == gateway.id { return try gatewaySigningKey(kid) }
        guard let entry = self[signer]?.keys.first(where: { $0.kid == kid && $0.use == .sig }) else {
            throw .unknownKey(kid: kid, reason: "is signed with key \(kid), which the directory does not list for \(signer)")
        }
        do { return (try VerificationKey(jwk: entry.jwk), entry) } catch {
            throw .unknownKey(kid: kid, reason: "is signed with key \(kid), but the key the directory lists for \(signer) is not usable: \(error)")
        }
    }

    /// The gateway's key `kid` when `pinned` (an agency profile's `gateway_key`) names it: what a
    /// signed directory is checked against. Without a pin a directory would vouch for itself.
    public func pinnedGatewayKey(_ kid: String, pinned: [String]) throws(SignedObjectCheck.Failure) -> VerificationKey {
        guard pinned.contains(kid) else {
            throw .unknownKey(kid: kid, reason: "is signed with gateway key \(kid), which the profile does not pin (gateway_key: \(pinned.joined(separator: ", "))); "
                              + "do not trust it — if the gateway's operator has announced a new key, add its id to gateway_key")
        }
        return try gatewaySigningKey(kid).key
    }
}
