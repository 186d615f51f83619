import Foundation
import UraCrypto
import UraJSON

/// What a tree head (`ura-tree-head+json`) says, read only when one of the given keys signed it:
/// the one check behind the gateway's own ledger verification, `ura verify` of an inclusion proof
/// and `ura audit`.
public struct SignedTreeHead: Sendable {
    public let size: Int
    /// The root as signed (base64url).
    public let rootText: String
    public let gateway: String?

    public init?(_ signed: [UInt8], keys: [VerificationKey]) {
        guard let jws = try? JWS.parse(signed), keys.contains(where: { (try? jws.verify(using: $0)) != nil }),
              let payload = try? JSONValue(parsing: jws.payload), let size = payload["tree_size"]?.intValue,
              let rootText = payload["root"]?.stringValue else { return nil }
        (self.size, self.rootText, gateway) = (size, rootText, payload["gateway"]?.stringValue)
    }

    public var root: [UInt8]? { try? Base64URL.decode(rootText) }

    /// True when it is a head over exactly `size` entries with `root`.
    public func says(size: Int, root: [UInt8]) -> Bool { self.size == size && rootText == Base64URL.encode(root) }
}
