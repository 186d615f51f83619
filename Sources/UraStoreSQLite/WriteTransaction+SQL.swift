import UraProtocol
import UraStore

/// The writer's transaction (`WriteTransaction`) as the shared SQL of `SQLStore` sees it.
@usableFromInline package struct SQLiteSQLTransaction: SQLTransaction {
    let tx: WriteTransaction

    @usableFromInline package var database: SQLiteConnection { tx.db }
    @usableFromInline package var ledgerChain: LedgerChain { tx.chain }

    @discardableResult
    @usableFromInline package func appendToLedger(_ event: LedgerEvent, messageSeq: Int64?) throws(StoreError) -> Int {
        try tx.appendLedger(event, messageSeq: messageSeq)
    }

    /// Nothing to send: there is no other node, and the gateway wakes its inbox itself after its writes.
    @usableFromInline package func notifyInboxAfterCommit(_ recipient: String) {}
}
