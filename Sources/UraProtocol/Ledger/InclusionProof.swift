import Foundation
import UraCrypto
import UraJSON
import UraModel

/// Evidence that some ledger entries are in the tree whose head the gateway signed; checkable
/// offline with the gateway's public key (`ura verify --proof`).
public struct InclusionProof: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let index: Int
        public let leaf: [UInt8]
        public let path: [[UInt8]]

        public init(index: Int, leaf: [UInt8], path: [[UInt8]]) {
            (self.index, self.leaf, self.path) = (index, leaf, path)
        }
    }

    public let treeSize: Int
    public let root: [UInt8]
    public let signedHead: [UInt8]
    public let entries: [Entry]

    public var json: JSONValue {
        [
            "tree_size": .number(Double(treeSize)), "root": .string(Base64URL.encode(root)),
            "signed_head": (try? JSONValue(parsing: signedHead)) ?? .null,
            "entries": .array(entries.map { e in
                ["index": .number(Double(e.index)), "leaf": .string(Base64URL.encode(e.leaf)),
                 "path": .array(e.path.map { .string(Base64URL.encode($0)) })]
            }),
        ]
    }

    public init(treeSize: Int, root: [UInt8], signedHead: [UInt8], entries: [Entry]) {
        self.treeSize = treeSize
        self.root = root
        self.signedHead = signedHead
        self.entries = entries
    }

    public init(json: JSONValue) throws(ModelError) {
        guard let size = json["tree_size"]?.intValue, let rootText = json["root"]?.stringValue, let head = json["signed_head"],
              let list = json["entries"]?.arrayValue, let root = try? Base64URL.decode(rootText)
        else { throw ModelError(field: "", reason: "not an inclusion proof: it needs tree_size, root, signed_head and entries") }
        var entries: [Entry] = []
        for item in list {
            guard let index = item["index"]?.intValue, let leaf = item["leaf"]?.stringValue.flatMap({ try? Base64URL.decode($0) }),
                  let path = item["path"]?.arrayValue?.compactMap({ $0.stringValue.flatMap { try? Base64URL.decode($0) } })
            else { throw ModelError(field: "", reason: "an entry of the proof lacks index, leaf or path") }
            entries.append(Entry(index: index, leaf: leaf, path: path))
        }
        self.init(treeSize: size, root: root, signedHead: head.serialized(), entries: entries)
    }

    /// True when the head is signed by `gatewayKey` over this size and root, and every entry's
    /// audit path leads to that root.
    public func verify(gatewayKey: VerificationKey) -> Bool {
        guard SignedTreeHead(signedHead, keys: [gatewayKey])?.says(size: treeSize, root: root) == true else { return false }
        let tree = MerkleTree(hash: { SHA256.hash($0) })
        return !entries.isEmpty && entries.allSatisfy { e in
            tree.verifyInclusion(leafHash: tree.hash([0x00] + e.leaf), index: e.index, treeSize: treeSize, proof: e.path, root: root)
        }
    }
}
