/// RFC 9162 Merkle tree hashing over ledger leaf hashes, with the hash function injected.
///
/// `MTH({d0}) = H(0x00 || d0)` is the leaf hash the store already keeps; interior nodes are
/// `H(0x01 || left || right)`, splitting at the largest power of two below `n` (§2.1.1).
public struct MerkleTree: Sendable {
    public let hash: LedgerChain.Hash

    public init(hash: @escaping LedgerChain.Hash) { self.hash = hash }

    public func node(_ left: [UInt8], _ right: [UInt8]) -> [UInt8] { hash([0x01] + left + right) }

    /// The root over leaf hashes (the empty tree's root is `H()`).
    public func root(_ leafHashes: ArraySlice<[UInt8]>) -> [UInt8] {
        switch leafHashes.count {
        case 0: return hash([])
        case 1: return leafHashes.first!
        default:
            let k = MerkleTree.largestPowerOfTwo(below: leafHashes.count)
            let start = leafHashes.startIndex
            return node(root(leafHashes[start..<start + k]), root(leafHashes[(start + k)...]))
        }
    }

    /// The audit path of leaf `index` in the tree of `leafHashes` (§2.1.3.1).
    public func inclusionProof(index: Int, _ leafHashes: ArraySlice<[UInt8]>) -> [[UInt8]] {
        let n = leafHashes.count
        guard n > 1 else { return [] }
        let k = MerkleTree.largestPowerOfTwo(below: n)
        let start = leafHashes.startIndex
        if index < k {
            return inclusionProof(index: index, leafHashes[start..<start + k]) + [root(leafHashes[(start + k)...])]
        }
        return inclusionProof(index: index - k, leafHashes[(start + k)...]) + [root(leafHashes[start..<start + k])]
    }

    /// Checks an audit path (§2.1.3.2): true when `leafHash` at `index` is in the tree of
    /// `treeSize` leaves with `root`.
    public func verifyInclusion(leafHash: [UInt8], index: Int, treeSize: Int, proof: [[UInt8]], root: [UInt8]) -> Bool {
        guard index >= 0, index < treeSize else { return false }
        var fn = index
        var sn = treeSize - 1
        var r = leafHash
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// The consistency proof between the tree of the first `first` leaves and the tree of all of
    /// `leafHashes` (RFC 9162 §2.1.4.1): what shows the larger tree only appends to the smaller.
    /// Empty when `first` is 0 or the whole tree.
    public func consistencyProof(first: Int, _ leafHashes: ArraySlice<[UInt8]>) -> [[UInt8]] {
        guard first > 0, first < leafHashes.count else { return [] }
        return subproof(first, leafHashes, complete: true)
    }

    private func subproof(_ m: Int, _ leaves: ArraySlice<[UInt8]>, complete: Bool) -> [[UInt8]] {
        let n = leaves.count
        if m == n { return complete ? [] : [root(leaves)] }
        let k = MerkleTree.largestPowerOfTwo(below: n)
        let start = leaves.startIndex
        if m <= k {
            return subproof(m, leaves[start..<start + k], complete: complete) + [root(leaves[(start + k)...])]
        }
        return subproof(m - k, leaves[(start + k)...], complete: false) + [root(leaves[start..<start + k])]
    }

    /// Checks a consistency proof (RFC 9162 §2.1.4.2): true when the tree of `firstSize` leaves
    /// with `firstRoot` is the beginning of the tree of `secondSize` leaves with `secondRoot`.
    /// Equal sizes need equal roots and an empty proof; the empty tree begins every tree.
    public func verifyConsistency(firstSize: Int, firstRoot: [UInt8], secondSize: Int, secondRoot: [UInt8], proof: [[UInt8]]) -> Bool {
        guard firstSize >= 0, firstSize <= secondSize else { return false }
        if firstSize == 0 { return proof.isEmpty }
        if firstSize == secondSize { return proof.isEmpty && firstRoot == secondRoot }
        guard !proof.isEmpty else { return false }
        var path = proof[...]
        // A first tree that is a perfect subtree is its own first node.
        if firstSize & (firstSize - 1) == 0 { path = ([firstRoot] + proof)[...] }
        var fn = firstSize - 1
        var sn = secondSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path.first!
        var sr = fr
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = node(c, fr)
                sr = node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == firstRoot && sr == secondRoot && sn == 0
    }

    // MARK: Proofs from the roots of perfect subtrees, in O(log n)

    /// The root of the perfect subtree of `1 << height` leaves starting at `start` (a multiple of
    /// its size), as a store keeps it: proofs built from these read O(log n) nodes, not n leaves.
    public typealias PerfectRoot<E: Error> = (_ start: Int, _ height: Int) throws(E) -> [UInt8]

    /// The root of the `count` leaves from `start` (RFC 9162's MTH of that range), from perfect subtrees.
    public func root<E: Error>(start: Int = 0, count: Int, perfect: PerfectRoot<E>) throws(E) -> [UInt8] {
        if count == 0 { return hash([]) }
        if count & (count - 1) == 0 { return try perfect(start, count.trailingZeroBitCount) }
        let k = MerkleTree.largestPowerOfTwo(below: count)
        return node(try root(start: start, count: k, perfect: perfect), try root(start: start + k, count: count - k, perfect: perfect))
    }

    /// The audit path of leaf `index` in the tree of `size` leaves (§2.1.3.1), from perfect subtrees:
    /// equal to `inclusionProof(index:_:)` over the leaves.
    public func inclusionProof<E: Error>(index: Int, size: Int, perfect: PerfectRoot<E>) throws(E) -> [[UInt8]] {
        var path: [[UInt8]] = []
        var (start, count, m) = (0, size, index)
        while count > 1 {
            let k = MerkleTree.largestPowerOfTwo(below: count)
            if m < k {
                path.append(try root(start: start + k, count: count - k, perfect: perfect))
                count = k
            } else {
                path.append(try root(start: start, count: k, perfect: perfect))
                (start, count, m) = (start + k, count - k, m - k)
            }
        }
        return path.reversed()
    }

    /// The consistency proof from the first `first` leaves to the tree of `size` leaves
    /// (§2.1.4.1), from perfect subtrees: equal to `consistencyProof(first:_:)` over the leaves.
    public func consistencyProof<E: Error>(first: Int, size: Int, perfect: PerfectRoot<E>) throws(E) -> [[UInt8]] {
        guard first > 0, first < size else { return [] }
        var path: [[UInt8]] = []
        var (start, count, m, complete) = (0, size, first, true)
        while m != count {
            let k = MerkleTree.largestPowerOfTwo(below: count)
            if m <= k {
                path.append(try root(start: start + k, count: count - k, perfect: perfect))
                count = k
            } else {
                path.append(try root(start: start, count: k, perfect: perfect))
                (start, count, m, complete) = (start + k, count - k, m - k, false)
            }
        }
        if !complete { path.append(try root(start: start, count: count, perfect: perfect)) }
        return path.reversed()
    }

    static func largestPowerOfTwo(below n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }
}

/// The right edge of a growing Merkle tree: the roots of its perfect subtrees, largest first. It
/// gives the root after each append in O(log n) without rereading the leaves.
public struct MerkleFrontier: Sendable, Equatable {
    public private(set) var size = 0
    /// (height, root) of each perfect subtree, left to right.
    public private(set) var subtrees: [(height: Int, hash: [UInt8])] = []

    public init() {}

    /// Appends a leaf; returns the perfect subtrees of height 1 and more that it completed, lowest
    /// first (each ends at the new size), for a store that keeps them for proofs.
    @discardableResult
    public mutating func append(_ leafHash: [UInt8], tree: MerkleTree) -> [(height: Int, hash: [UInt8])] {
        var carry = (height: 0, hash: leafHash)
        var completed: [(height: Int, hash: [UInt8])] = []
        while let last = subtrees.last, last.height == carry.height {
            subtrees.removeLast()
            carry = (carry.height + 1, tree.node(last.hash, carry.hash))
            completed.append(carry)
        }
        subtrees.append(carry)
        size += 1
        return completed
    }

    public func root(tree: MerkleTree) -> [UInt8] {
        guard var result = subtrees.last?.hash else { return tree.hash([]) }
        for subtree in subtrees.dropLast().reversed() { result = tree.node(subtree.hash, result) }
        return result
    }

    /// `height(1 byte) || hash(32)` per subtree, for storing beside the signed head.
    public var serialized: [UInt8] { subtrees.flatMap { [UInt8($0.height)] + $0.hash } }

    public init?(size: Int, serialized: [UInt8], hashLength: Int = 32) {
        guard serialized.count % (hashLength + 1) == 0 else { return nil }
        self.size = size
        var i = 0
        while i < serialized.count {
            subtrees.append((Int(serialized[i]), Array(serialized[(i + 1)...(i + hashLength)])))
            i += hashLength + 1
        }
        guard subtrees.reduce(0, { $0 + (1 << $1.height) }) == size else { return nil }
    }

    public static func == (a: MerkleFrontier, b: MerkleFrontier) -> Bool {
        a.size == b.size && a.subtrees.map(\.height) == b.subtrees.map(\.height) && a.subtrees.map(\.hash) == b.subtrees.map(\.hash)
    }
}
