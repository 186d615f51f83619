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
        guard let head = try? JWS.parse(signedHead), (try? head.verify(using: gatewayKey)) != nil,
              let payload = try? JSONValue(parsing: head.payload),
              payload["tree_size"]?.intValue == treeSize, payload["root"]?.stringValue == Base64URL.encode(root) else { return false }
        let tree = MerkleTree(hash: { SHA256.hash($0) })
        return !entries.isEmpty && entries.allSatisfy { e in
            tree.verifyInclusion(leafHash: tree.hash([0x00] + e.leaf), index: e.index, treeSize: treeSize, proof: e.path, root: root)
        }
    }
}
