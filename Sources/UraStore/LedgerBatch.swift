import Foundation
import Synchronization
import UraProtocol

/// The entries one commit batch appended to the ledger and the tree head the batch was signed
/// with: enough to give each entry its audit path to that head without reading the store (the
/// frontier before the batch holds every subtree left of it that a path needs), which is what a
/// receipt signed per batch is made of (`LedgerReceipt`).
///
/// A backend's writer fills it in while the batch runs (`append`, `truncate` when a job's
/// savepoint is rolled back) and seals it with the signed head before the COMMIT; a caller reads it
/// only once its commit returned.
public final class LedgerBatch: Sendable, CustomStringConvertible {
    /// What a sealed batch holds.
    public struct Sealed: Sendable {
        public let treeSize: Int
        public let root: [UInt8]
        public let signedHead: [UInt8]
        let start: Int
        let before: MerkleFrontier
        let leaves: [[UInt8]]
        let hashes: [[UInt8]]

        /// The leaf of entry `index` when this batch appended it.
        public func leaf(_ index: Int) -> [UInt8]? {
            (start..<treeSize).contains(index) ? leaves[index - start] : nil
        }

        /// The audit path of entry `index` (one this batch appended) to the batch's head, as
        /// `MerkleTree.inclusionProof` gives it from the whole tree.
        public func auditPath(_ index: Int, tree: MerkleTree) -> [[UInt8]]? {
            guard (start..<treeSize).contains(index) else { return nil }
            var known: [Int: [UInt8]] = [:]
            for (start, subtree) in zip(before.starts, before.subtrees) { known[start << 6 | subtree.height] = subtree.hash }
            // A perfect subtree is either one of the frontier's (left of the batch), within the
            // batch, or straddles the batch's start — then its halves are asked for in turn.
            func perfect(_ start: Int, _ height: Int) -> [UInt8] {
                if let hash = known[start << 6 | height] { return hash }
                if height == 0 { return hashes[start - self.start] }
                let half = 1 << (height - 1)
                let hash = tree.node(perfect(start, height - 1), perfect(start + half, height - 1))
                known[start << 6 | height] = hash
                return hash
            }
            return tree.inclusionProof(index: index, size: treeSize, perfect: perfect)
        }
    }

    private let state: Mutex<(start: Int, before: MerkleFrontier, leaves: [[UInt8]], hashes: [[UInt8]], sealed: Sealed?)>

    /// A batch that appends after the tree `before` (of `before.size` entries).
    public init(after before: MerkleFrontier) {
        state = Mutex((before.size, before, [], [], nil))
    }

    /// Records the next entry (index `start + count`), as the writer stores it.
    public func append(leaf: [UInt8], hash: [UInt8]) {
        state.withLock {
            $0.leaves.append(leaf)
            $0.hashes.append(hash)
        }
    }

    /// Forgets the entries from index `size` on (a job rolled back to its savepoint).
    public func truncate(to size: Int) {
        state.withLock {
            let keep = max(0, size - $0.start)
            if $0.leaves.count > keep {
                $0.leaves.removeLast($0.leaves.count - keep)
                $0.hashes.removeLast($0.hashes.count - keep)
            }
        }
    }

    /// Seals the batch with the head signed over its end.
    public func seal(treeSize: Int, root: [UInt8], signedHead: [UInt8]) {
        state.withLock {
            precondition(treeSize == $0.start + $0.leaves.count, "a batch's head covers exactly the entries it appended")
            $0.sealed = Sealed(treeSize: treeSize, root: root, signedHead: signedHead, start: $0.start, before: $0.before,
                               leaves: $0.leaves, hashes: $0.hashes)
        }
    }

    /// The sealed batch, or nil while it runs (or when it appended nothing).
    public var sealed: Sealed? { state.withLock { $0.sealed } }

    public var description: String {
        state.withLock { "ledger batch of entries \($0.start)..<\($0.start + $0.leaves.count)\($0.sealed == nil ? "" : ", sealed")" }
    }
}

extension MerkleFrontier {
    /// The first leaf of each perfect subtree, left to right.
    var starts: [Int] {
        var start = 0
        return subtrees.map { subtree in
            defer { start += 1 << subtree.height }
            return start
        }
    }
}
