import UraProtocol
import UraStore

/// The writer's transaction as the shared SQL of `SQLStore` sees it.
extension WriteTransaction: SQLTransaction {
    package var database: SQLiteConnection { db }
    package var ledgerChain: LedgerChain { chain }

    @discardableResult
    package func appendToLedger(_ event: LedgerEvent, messageSeq: Int64?) throws(StoreError) -> Int {
        try appendLedger(event, messageSeq: messageSeq)
    }

    /// Nothing to send: the one node's gateway wakes its own inbox when a write returns.
    package func notifyInboxAfterCommit(_ recipient: String) {}
}
