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
            let entries = try store.ledgerEntries(from: 0, count: head.treeSize)
            let hashes = entries.map(\.hash)[...]
            return InclusionProof(
                treeSize: head.treeSize, root: head.root, signedHead: head.signed,
                entries: indexes.map { i in .init(index: i, leaf: entries[i].leaf, path: tree.inclusionProof(index: i, hashes)) })
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
            let hashes = size > 0 && size < head.treeSize ? try store.ledgerEntries(from: 0, count: head.treeSize).map(\.hash)[...] : []
            return ConsistencyProof(from: size, treeSize: head.treeSize, root: head.root, signedHead: head.signed,
                                    path: tree.consistencyProof(first: size, hashes))
        } catch let problem as GatewayError {
            throw problem
        } catch {
            throw GatewayError(.unavailable, "\(error)")
        }
    }
}
