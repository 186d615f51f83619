import Foundation
import UraCrypto
import UraJSON
import UraModel
import UraStore

/// The gateway's view of its ledger: verification, periodic checkpoints, and inclusion proofs that
/// show a message's entries are in the tree the gateway signed.
public struct Ledger: Sendable {
    let store: any Store
    let signer: GatewaySigner
    let tree = MerkleTree(hash: { SHA256.hash($0) })

    /// Where the gateway's earlier keys are listed, for heads and checkpoints signed before a rotation.
    let directory: DirectoryBook?

    public init(store: any Store, signer: GatewaySigner, directory: DirectoryBook? = nil) {
        self.store = store
        self.signer = signer
        self.directory = directory
    }

    /// Recomputes everything; see `LedgerVerifier`.
    public func verify() throws(StoreError) -> LedgerReport {
        let earlierKeys = directory.map { Gateway.earlierGatewayKeys(in: $0.snapshot.directory, except: signer) } ?? []
        return try LedgerVerifier(store: store, hash: { SHA256.hash($0) }) { [signer] head in
            signer.verifyTreeHead(head.signed, size: head.treeSize, root: head.root, earlierKeys: earlierKeys)
        }.verify()
    }

    /// Keeps the current signed head as a permanent checkpoint.
    @discardableResult
    public func checkpoint(now: Date) async throws(StoreError) -> Checkpoint? { try await store.saveCheckpoint(now: now) }

    /// The entries of `message` with their audit paths to the current signed head.
    public func proof(for message: MessageID) throws(Problem) -> InclusionProof {
        do {
            guard let head = try store.signedHead() else { throw Problem(.notFound, "the ledger is empty") }
            let indexes = try store.ledgerIndexes(forMessage: message).filter { $0 < head.treeSize }
            guard !indexes.isEmpty else { throw Problem(.notFound, "the ledger has no entry for message \(message)") }
            let entries = try store.ledgerEntries(from: 0, count: head.treeSize)
            let hashes = entries.map(\.hash)[...]
            return InclusionProof(
                treeSize: head.treeSize, root: head.root, signedHead: head.signed,
                entries: indexes.map { i in .init(index: i, leaf: entries[i].leaf, path: tree.inclusionProof(index: i, hashes)) })
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(.unavailable, "\(error)")
        }
    }
}

extension Ledger {
    /// The consistency proof from the tree of the first `size` entries to the current signed head
    /// (RFC 9162 §2.1.4): with it, whoever kept an earlier head checks that the ledger only grew
    /// since, rewriting nothing (`ura audit`).
    public func consistency(from size: Int) throws(Problem) -> ConsistencyProof {
        do {
            guard let head = try store.signedHead() else { throw Problem(.notFound, "the ledger is empty") }
            guard size >= 0, size <= head.treeSize else {
                throw Problem(.invalidRequest, "from must be a whole number from 0 to the ledger's size, \(head.treeSize), not \(size)")
            }
            let hashes = size > 0 && size < head.treeSize ? try store.ledgerEntries(from: 0, count: head.treeSize).map(\.hash)[...] : []
            return ConsistencyProof(from: size, treeSize: head.treeSize, root: head.root, signedHead: head.signed,
                                    path: tree.consistencyProof(first: size, hashes))
        } catch let problem as Problem {
            throw problem
        } catch {
            throw Problem(.unavailable, "\(error)")
        }
    }
}

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

    public init(json: JSONValue) throws(Problem) {
        guard let from = json["from"]?.intValue, let size = json["tree_size"]?.intValue, let rootText = json["root"]?.stringValue,
              let root = try? Base64URL.decode(rootText), let head = json["signed_head"], head != .null,
              let list = json["consistency"]?.arrayValue
        else { throw Problem(.invalidRequest, "not a consistency proof: it needs from, tree_size, root, signed_head and consistency") }
        var path: [[UInt8]] = []
        for item in list {
            guard let text = item.stringValue, let hash = try? Base64URL.decode(text) else {
                throw Problem(.invalidRequest, "a hash of the consistency path is not base64url")
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

/// Evidence that some ledger entries are in the tree whose head the gateway signed; checkable
/// offline with the gateway's public key (`ura verify --proof`).
public struct InclusionProof: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public let index: Int
        public let leaf: [UInt8]
        public let path: [[UInt8]]
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

    public init(json: JSONValue) throws(Problem) {
        guard let size = json["tree_size"]?.intValue, let rootText = json["root"]?.stringValue, let head = json["signed_head"],
              let list = json["entries"]?.arrayValue, let root = try? Base64URL.decode(rootText)
        else { throw Problem(.invalidRequest, "not an inclusion proof: it needs tree_size, root, signed_head and entries") }
        var entries: [Entry] = []
        for item in list {
            guard let index = item["index"]?.intValue, let leaf = item["leaf"]?.stringValue.flatMap({ try? Base64URL.decode($0) }),
                  let path = item["path"]?.arrayValue?.compactMap({ $0.stringValue.flatMap { try? Base64URL.decode($0) } })
            else { throw Problem(.invalidRequest, "an entry of the proof lacks index, leaf or path") }
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
