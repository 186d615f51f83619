import Synchronization

/// Meeting point of `send` and its cancellation handler, which may run in either order.
final class TransferBox: Sendable {
    private let state = Mutex<(transfer: CurlTransfer?, cancelled: Bool)>((nil, false))

    /// Stores the transfer; true if cancellation already happened (the caller completes it).
    func set(_ transfer: CurlTransfer) -> Bool {
        state.withLock { state in
            state.transfer = transfer
            return state.cancelled
        }
    }

    /// Marks cancellation; returns the transfer if it was already submitted.
    func cancel() -> CurlTransfer? {
        state.withLock { state in
            state.cancelled = true
            return state.transfer
        }
    }
}
