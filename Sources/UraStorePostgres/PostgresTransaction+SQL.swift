import UraProtocol
import UraStore

/// The writer's transaction (`PostgresTransaction`, which the writer keeps to its module) as the
/// shared SQL of `SQLStore` sees it.
@usableFromInline package struct PostgresSQLTransaction: SQLTransaction {
    let tx: PostgresTransaction

    @usableFromInline package var database: PostgresConnection { tx.db }
    @usableFromInline package var ledgerChain: LedgerChain { tx.chain }

    @discardableResult
    @usableFromInline package func appendToLedger(_ event: LedgerEvent, messageSeq: Int64?) throws(StoreError) -> Int {
        try tx.appendLedger(event, messageSeq: messageSeq)
    }

    /// `NOTIFY` on the inbox channel as the batch commits: a long poll held by any node wakes.
    @usableFromInline package func notifyInboxAfterCommit(_ recipient: String) { tx.notifyInbox(recipient) }
}
