import UraProtocol

/// What the ledger needs from the gateway: the hash function (SHA-256), a signer for tree heads
/// (the gateway's key) and its check. Injected so the store calls no crypto library itself.
public struct LedgerConfiguration: Sendable {
    public var hash: LedgerChain.Hash
    /// Signs the head `(tree size, root)`; returns the signed bytes (a JWS).
    public var signHead: @Sendable (_ treeSize: Int, _ root: [UInt8]) -> [UInt8]
    /// True when `signed` is the gateway's signature over exactly `(tree size, root)` — with its
    /// current key or an earlier one. The store checks the stored head with it when it opens.
    public var verifyHead: @Sendable (_ signed: [UInt8], _ treeSize: Int, _ root: [UInt8]) -> Bool

    /// The lowest height of the perfect subtrees whose roots a store keeps for proofs (subtrees of
    /// 64 entries and more); below it `Store.ledgerNode` hashes the entries when asked. The
    /// gateway's verification recomputes every kept root.
    public static let keptNodeHeight = 6

    public init(hash: @escaping LedgerChain.Hash, signHead: @escaping @Sendable (_ treeSize: Int, _ root: [UInt8]) -> [UInt8],
                verifyHead: @escaping @Sendable (_ signed: [UInt8], _ treeSize: Int, _ root: [UInt8]) -> Bool) {
        self.hash = hash
        self.signHead = signHead
        self.verifyHead = verifyHead
    }
}
