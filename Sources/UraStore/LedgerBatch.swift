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
        let leaves: [[UInt8]]
        let hashes: [[UInt8]]
        /// The roots of the perfect subtrees a path may need (`start << 6 | height`): the frontier's
        /// before the batch and every one the batch completed, as the writer computed them.
        let nodes: [Int: [UInt8]]

        /// The leaf of entry `index` when this batch appended it.
        public func leaf(_ index: Int) -> [UInt8]? {
            (start..<treeSize).contains(index) ? leaves[index - start] : nil
        }

        /// The audit path of entry `index` (one this batch appended) to the batch's head, as
        /// `MerkleTree.inclusionProof` gives it from the whole tree.
        public func auditPath(_ index: Int, tree: MerkleTree) -> [[UInt8]]? {
            guard (start..<treeSize).contains(index) else { return nil }
            // A path needs perfect subtrees left of the batch (the frontier's) and ones that end in
            // it (completed as the batch appended); a leaf of the batch is its own. Anything else
            // would be a subtree of those, which a path never asks for — computed all the same.
            func perfect(_ start: Int, _ height: Int) -> [UInt8] {
                if let hash = nodes[start << 6 | height] { return hash }
                if height == 0, start >= self.start { return hashes[start - self.start] }
                let half = 1 << (height - 1)
                return tree.node(perfect(start, height - 1), perfect(start + half, height - 1))
            }
            return tree.inclusionProof(index: index, size: treeSize, perfect: perfect)
        }
    }

    private let state: Mutex<(start: Int, before: MerkleFrontier, leaves: [[UInt8]], hashes: [[UInt8]], completed: [[(height: Int, hash: [UInt8])]],
                              sealed: Sealed?)>

    /// A batch that appends after the tree `before` (of `before.size` entries).
    public init(after before: MerkleFrontier) {
        state = Mutex((before.size, before, [], [], [], nil))
    }

    /// Records the next entry (index `start + count`), as the writer stores it, with the perfect
    /// subtrees of height 1 and more it completed (`MerkleFrontier.append`'s answer).
    public func append(leaf: [UInt8], hash: [UInt8], completed: [(height: Int, hash: [UInt8])]) {
        state.withLock {
            $0.leaves.append(leaf)
            $0.hashes.append(hash)
            $0.completed.append(completed)
        }
    }

    /// Forgets the entries from index `size` on (a job rolled back to its savepoint).
    public func truncate(to size: Int) {
        state.withLock {
            let keep = max(0, size - $0.start)
            if $0.leaves.count > keep {
                $0.leaves.removeLast($0.leaves.count - keep)
                $0.hashes.removeLast($0.hashes.count - keep)
                $0.completed.removeLast($0.completed.count - keep)
            }
        }
    }

    /// Seals the batch with the head signed over its end.
    public func seal(treeSize: Int, root: [UInt8], signedHead: [UInt8]) {
        state.withLock {
            precondition(treeSize == $0.start + $0.leaves.count, "a batch's head covers exactly the entries it appended")
            var nodes: [Int: [UInt8]] = [:]
            for (start, subtree) in zip($0.before.starts, $0.before.subtrees) { nodes[start << 6 | subtree.height] = subtree.hash }
            for (offset, completed) in $0.completed.enumerated() {
                let end = $0.start + offset + 1
                for subtree in completed { nodes[(end - (1 << subtree.height)) << 6 | subtree.height] = subtree.hash }
            }
            $0.sealed = Sealed(treeSize: treeSize, root: root, signedHead: signedHead, start: $0.start, leaves: $0.leaves, hashes: $0.hashes, nodes: nodes)
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
