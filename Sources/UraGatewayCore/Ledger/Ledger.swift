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
    /// The most entries one `entries(from:count:for:)` answer holds.
    public static let maxEntries = 1000

    /// The entries from `start` (at most `count`, within the signed head) with their audit paths to
    /// the signed head, so that an auditor recomputes each leaf's hash itself (`ura audit
    /// --entries`). `agency` nil (the secretariat) sees every entry; an agency sees those about the
    /// messages it sent or received and those it made itself (its declarations).
    public func entries(from start: Int, count: Int, for agency: AgencyID?) throws(GatewayError) -> InclusionProof {
        do {
            guard let head = try store.signedHead() else { throw GatewayError(.notFound, "the ledger is empty") }
            guard start >= 0, start < head.treeSize else {
                throw GatewayError(.invalidRequest, "from must be a whole number from 0 to \(head.treeSize - 1) (the signed head covers \(head.treeSize) entries), not \(start)")
            }
            guard (1...Self.maxEntries).contains(count) else {
                throw GatewayError(.invalidRequest, "count must be a whole number from 1 to \(Self.maxEntries), not \(count)")
            }
            let nodes = NodeReader(store: store)
            var parties: [String: Bool] = [:]
            func concerns(_ entry: LedgerEntry) throws(StoreError) -> Bool {
                guard let agency else { return true }
                guard let leaf = try? JSONValue(parsing: entry.leaf) else { return false }
                if leaf["agency"]?.stringValue == agency.rawValue { return true }
                guard let text = leaf["message"]?.stringValue else { return false }
                if let known = parties[text] { return known }
                let stored = try (try? MessageID(text)).flatMap { id throws(StoreError) in try store.message(id) }
                let involved = stored.map { $0.metadata.from == agency || $0.metadata.to.contains(agency) } ?? false
                parties[text] = involved
                return involved
            }
            var proven: [InclusionProof.Entry] = []
            for entry in try store.ledgerEntries(from: start, count: min(count, head.treeSize - start)) where try concerns(entry) {
                proven.append(.init(index: entry.index, leaf: entry.leaf,
                                    path: try tree.inclusionProof(index: entry.index, size: head.treeSize, perfect: nodes.root)))
            }
            return InclusionProof(treeSize: head.treeSize, root: head.root, signedHead: head.signed, entries: proven)
        } catch let problem as GatewayError {
            throw problem
        } catch {
            throw GatewayError(.unavailable, "\(error)")
        }
    }

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
