import Foundation
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
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
    public func proof(for message: MessageID) throws(GatewayError) -> InclusionProof {
        do {
            guard let head = try store.signedHead() else { throw GatewayError(.notFound, "the ledger is empty") }
            let indexes = try store.ledgerIndexes(forMessage: message).filter { $0 < head.treeSize }
            guard !indexes.isEmpty else { throw GatewayError(.notFound, "the ledger has no entry for message \(message)") }
            let nodes = NodeReader(store: store)
            var proven: [InclusionProof.Entry] = []
            for i in indexes {
                guard let entry = try store.ledgerEntries(from: i, count: 1).first, entry.index == i else {
                    throw GatewayError(.unavailable, "ledger entry \(i) of message \(message) is missing")
                }
                proven.append(.init(index: i, leaf: entry.leaf, path: try tree.inclusionProof(index: i, size: head.treeSize, perfect: nodes.root)))
            }
            return InclusionProof(treeSize: head.treeSize, root: head.root, signedHead: head.signed, entries: proven)
        } catch let problem as GatewayError {
            throw problem
        } catch {
            throw GatewayError(.unavailable, "\(error)")
        }
    }
}

extension Ledger {
    /// The consistency proof from the tree of the first `size` entries to the current signed head
    /// (RFC 9162 §2.1.4): with it, whoever kept an earlier head checks that the ledger only grew
    /// since, rewriting nothing (`ura audit`).
    public func consistency(from size: Int) throws(GatewayError) -> ConsistencyProof {
        do {
            guard let head = try store.signedHead() else { throw GatewayError(.notFound, "the ledger is empty") }
            guard size >= 0, size <= head.treeSize else {
                throw GatewayError(.invalidRequest, "from must be a whole number from 0 to the ledger's size, \(head.treeSize), not \(size)")
            }
            return ConsistencyProof(from: size, treeSize: head.treeSize, root: head.root, signedHead: head.signed,
                                    path: try tree.consistencyProof(first: size, size: head.treeSize, perfect: NodeReader(store: store).root))
        } catch let problem as GatewayError {
            throw problem
        } catch {
            throw GatewayError(.unavailable, "\(error)")
        }
    }
}

/// The store's subtree roots for one proof, each read once: the right edge of the tree appears at
/// several levels of a proof, as the same perfect subtrees.
private final class NodeReader {
    let store: any Store
    private var read: [Int: [UInt8]] = [:]

    init(store: any Store) { self.store = store }

    func root(_ start: Int, _ height: Int) throws(StoreError) -> [UInt8] {
        let key = start << 6 | height
        if let known = read[key] { return known }
        let hash = try store.ledgerNode(start: start, height: height)
        read[key] = hash
        return hash
    }
}
