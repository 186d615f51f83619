import Foundation
import UraBasics
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// Recomputes the ledger from its stored leaves and says whether anything was modified, removed,
/// inserted or reordered: every leaf hash is recomputed, every entry must link to the one before it
/// and carry its own index, every subtree root the store keeps for proofs must equal the one the
/// entries give, the Merkle root at each checkpoint's size must equal the checkpoint's,
/// and the live signed head must cover exactly the stored entries with a valid signature. Each
/// `message.accepted` entry is also compared with the message's stored row and bytes
/// (`MessageIntegrity.problem`): a row edited behind the gateway's back is found here, not only
/// when the message is next served; and there must be no more message rows than acceptances (a
/// row inserted behind its back).
public struct LedgerVerifier: Sendable {
    public let store: any Store
    public let hash: LedgerChain.Hash
    /// Checks a head's signature (the gateway's key) and that it signs this size and root.
    public let verifyHead: @Sendable (Checkpoint) -> Bool

    public init(store: any Store, hash: @escaping LedgerChain.Hash, verifyHead: @escaping @Sendable (Checkpoint) -> Bool) {
        self.store = store
        self.hash = hash
        self.verifyHead = verifyHead
    }

    /// Runs after each page of entries is read, with its size (tests commit batches there, as a
    /// running gateway would).
    var afterPage: (@Sendable (Int) -> Void)?

    /// Reads the signed head first, then the entries page by page, then the head again: batches
    /// committed meanwhile (the gateway keeps running) append entries and re-sign the head, so the
    /// entries are checked against the first head and any beyond it must be covered by the second.
    public func verify(pageSize: Int = 10_000) throws(StoreError) -> LedgerReport {
        try verify(pageSize: pageSize, again: true)
    }

    private func verify(pageSize: Int, again: Bool) throws(StoreError) -> LedgerReport {
        let chain = LedgerChain(hash: hash)
        let head = try store.signedHead()
        var rootAtHead: [UInt8]?
        let tree = MerkleTree(hash: hash)
        var report = LedgerReport()
        var frontier = MerkleFrontier()
        var previous = LedgerChain.genesis
        var expected = 0
        var pending = try store.checkpoints()[...]
        // Every message row is committed with its `message.accepted` entry: rows counted before the
        // walk cannot outnumber the acceptances it reads.
        let rowsBefore = try store.messageCount()
        var acceptances = 0
        func checkCheckpoints(upTo size: Int) {
            while let checkpoint = pending.first, checkpoint.treeSize <= size {
                pending.removeFirst()
                guard checkpoint.treeSize == size else { continue }
                if checkpoint.root != frontier.root(tree: tree) {
                    report.problems.append(.init(index: size - 1, "the checkpoint at size \(size) does not match the entries before it"))
                } else if !verifyHead(checkpoint) {
                    report.problems.append(.init(index: size - 1, "the checkpoint at size \(size) is not signed by the gateway"))
                } else {
                    report.checkpointsVerified += 1
                }
            }
        }
        while true {
            let page = try store.ledgerEntries(from: expected, count: pageSize)
            afterPage?(page.count)
            if page.isEmpty { break }
            for entry in page {
                if entry.index != expected {
                    report.problems.append(.init(index: expected, "entry \(expected) is missing (the next stored entry is \(entry.index))"))
                    expected = entry.index
                }
                let recomputed = chain.leafHash(entry.leaf)
                if recomputed != entry.hash {
                    report.problems.append(.init(index: entry.index, "entry \(entry.index) was modified: its hash does not match its contents"))
                }
                if let leaf = try? JSONValue(parsing: entry.leaf) {
                    if leaf["kind"]?.stringValue == LedgerEvent.Kind.messageAccepted.rawValue { acceptances += 1 }
                    if leaf["index"]?.intValue != entry.index {
                        report.problems.append(.init(index: entry.index, "entry \(entry.index) holds the contents of entry \(leaf["index"]?.intValue ?? -1) (entries were moved or reordered)"))
                    }
                    if leaf["prev"]?.stringValue != Hex.encode(previous) {
                        report.problems.append(.init(index: entry.index, "entry \(entry.index) does not link to the entry before it (an entry was inserted, removed or reordered)"))
                    }
                    if recomputed == entry.hash, let problem = try checkMessage(of: entry, leaf: leaf) {
                        report.problems.append(.init(index: entry.index, problem))
                        if let id = leaf["message"]?.stringValue.flatMap({ try? MessageID($0) }) { report.messages.append(id) }
                    }
                } else {
                    report.problems.append(.init(index: entry.index, "entry \(entry.index) is not valid JSON"))
                }
                previous = recomputed
                // The roots the store keeps for proofs, recomputed: a changed one would make
                // every proof through it fail at the auditor.
                for node in frontier.append(recomputed, tree: tree) where node.height >= LedgerConfiguration.keptNodeHeight {
                    let start = frontier.size - (1 << node.height)
                    let kept: [UInt8]?
                    do { kept = try store.ledgerNode(start: start, height: node.height) } catch .notFound { kept = nil }
                    if kept != node.hash {
                        report.problems.append(.init(index: frontier.size - 1,
                            "the kept root of entries \(start)–\(frontier.size - 1) \(kept == nil ? "is missing" : "does not match them") (proofs through it would fail)"))
                    }
                }
                expected = entry.index + 1
                report.entries += 1
                checkCheckpoints(upTo: frontier.size)
                if frontier.size == head?.treeSize { rootAtHead = frontier.root(tree: tree) }
            }
        }
        if rowsBefore > acceptances {
            report.problems.append(.init(index: max(0, frontier.size - 1),
                "\(rowsBefore) messages are stored but the ledger accepted \(acceptances): \(rowsBefore - acceptances) added behind the gateway (each is withheld when asked for)"))
        }
        for checkpoint in pending {
            report.problems.append(.init(index: checkpoint.treeSize - 1, "the checkpoint at size \(checkpoint.treeSize) covers entries that are missing"))
        }
        let later = try store.signedHead()
        if let head {
            report.signedSize = head.treeSize
            if head.treeSize > frontier.size || frontier.size > max(head.treeSize, later?.treeSize ?? 0) {
                let covered = frontier.size > head.treeSize ? later?.treeSize ?? head.treeSize : head.treeSize
                report.problems.append(.init(index: min(covered, frontier.size),
                    "the signed head covers \(covered) entries but \(frontier.size) are stored (entries were added or removed behind the gateway)"))
            } else if head.root != rootAtHead {
                report.problems.append(.init(index: frontier.size - 1, "the signed head does not match the stored entries"))
            } else if !verifyHead(head) {
                report.problems.append(.init(index: frontier.size - 1, "the signed head's signature is not the gateway's"))
            } else {
                report.headVerified = true
            }
        } else if frontier.size > 0 {
            // The very first batch may have committed while the entries were read: look again.
            if let later, later.treeSize >= frontier.size, again { return try verify(pageSize: pageSize, again: false) }
            report.problems.append(.init(index: 0, "there are \(frontier.size) entries but no signed head"))
        }
        report.root = frontier.root(tree: tree)
        return report
    }
}

extension LedgerVerifier {
    /// Why the row of the message a `message.accepted` entry records no longer matches it, or nil.
    func checkMessage(of entry: LedgerEntry, leaf: JSONValue) throws(StoreError) -> String? {
        guard leaf["kind"]?.stringValue == LedgerEvent.Kind.messageAccepted.rawValue else { return nil }
        guard let text = leaf["message"]?.stringValue, let id = try? MessageID(text) else {
            return "entry \(entry.index) records an acceptance without a valid message id"
        }
        guard let stored = try store.message(id) else { return "message \(id) of entry \(entry.index) is not in the store (its row was deleted)" }
        guard stored.ledgerIndex == entry.index else {
            return "the stored row of message \(id) names ledger entry \(stored.ledgerIndex), but entry \(entry.index) records its acceptance"
        }
        return MessageIntegrity.problem(stored, entry: entry, hash: hash)
    }
}

/// What `LedgerVerifier` found.
public struct LedgerReport: Sendable, Equatable {
    /// One thing the verification found wrong, at the entry where it shows.
    public struct Finding: Sendable, Equatable, CustomStringConvertible {
        public let index: Int
        public let description: String
        init(index: Int, _ description: String) {
            self.index = index
            self.description = description
        }
    }

    public var entries = 0
    public var signedSize = 0
    public var checkpointsVerified = 0
    public var headVerified = false
    public var root: [UInt8] = []
    public var problems: [Finding] = []
    /// The messages whose stored row or bytes do not match their `message.accepted` entry.
    public var messages: [MessageID] = []

    /// True when nothing was found wrong and the signed head covers every entry.
    public var isIntact: Bool { problems.isEmpty && (headVerified || entries == 0) }
}
