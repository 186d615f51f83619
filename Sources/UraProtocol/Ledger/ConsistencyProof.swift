import Foundation
import UraCrypto
import UraJSON
import UraModel

/// That the ledger's tree of `from` entries is the beginning of the tree whose head the gateway
/// signed (`treeSize`, `root`): RFC 9162's consistency path between the two.
public struct ConsistencyProof: Sendable, Equatable {
    public let from: Int
    public let treeSize: Int
    public let root: [UInt8]
    public let signedHead: [UInt8]
    public let path: [[UInt8]]

    public init(from: Int, treeSize: Int, root: [UInt8], signedHead: [UInt8], path: [[UInt8]]) {
        (self.from, self.treeSize, self.root, self.signedHead, self.path) = (from, treeSize, root, signedHead, path)
    }

    public var json: JSONValue {
        [
            "from": .number(Double(from)), "tree_size": .number(Double(treeSize)), "root": .string(Base64URL.encode(root)),
            "signed_head": (try? JSONValue(parsing: signedHead)) ?? .null,
            "consistency": .array(path.map { .string(Base64URL.encode($0)) }),
        ]
    }

    public init(json: JSONValue) throws(ModelError) {
        guard let from = json["from"]?.intValue, let size = json["tree_size"]?.intValue, let rootText = json["root"]?.stringValue,
              let root = try? Base64URL.decode(rootText), let head = json["signed_head"], head != .null,
              let list = json["consistency"]?.arrayValue
        else { throw ModelError(field: "", reason: "not a consistency proof: it needs from, tree_size, root, signed_head and consistency") }
        var path: [[UInt8]] = []
        for item in list {
            guard let text = item.stringValue, let hash = try? Base64URL.decode(text) else {
                throw ModelError(field: "", reason: "a hash of the consistency path is not base64url")
            }
            path.append(hash)
        }
        self.init(from: from, treeSize: size, root: root, signedHead: head.serialized(), path: path)
    }

    /// True when the tree of `from` entries with `earlierRoot` (a head kept from before) is the
    /// beginning of this one.
    public func extends(earlierRoot: [UInt8]) -> Bool {
        MerkleTree(hash: { SHA256.hash($0) }).verifyConsistency(firstSize: from, firstRoot: earlierRoot, secondSize: treeSize,
                                                                 secondRoot: root, proof: path)
    }
}
