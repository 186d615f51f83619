import Glibc

/// The bytes a connection has received and not yet consumed: the parser reads them in place,
/// the socket (or TLS) writes behind them. Grows up to the caller's limit, compacts by moving
/// unread bytes to the front, and gives memory back after a large body.
final class ConnectionBuffer {
    private var storage: UnsafeMutableRawPointer?
    private(set) var capacity = 0
    private var readIndex = 0
    private var writeIndex = 0

    static let initialCapacity = 16 * 1024
    /// Where the capacity is added up for `HTTPServerStatistics.inputBufferBytes`.
    private let counters: ServerCounters?

    init(counters: ServerCounters? = nil) { self.counters = counters }

    deinit {
        free(storage)
        counters?.inputBufferBytes.wrappingSubtract(capacity, ordering: .relaxed)
    }

    var readableCount: Int { writeIndex - readIndex }

    var readableBytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: storage.map { $0 + readIndex }, count: writeIndex - readIndex)
    }

    /// Free space after the unread bytes: at least `minimum` bytes unless that would make the
    /// buffer hold more than `limit` bytes, in which case as much as the limit allows (maybe 0).
    func writableSpace(minimum: Int, limit: Int) -> UnsafeMutableRawBufferPointer {
        let unread = readableCount
        let wanted = min(max(minimum, 1), max(0, limit - unread))
        if capacity - writeIndex < wanted {
            if readIndex > 0 {
                if unread > 0, let storage { memmove(storage, storage + readIndex, unread) }
                readIndex = 0
                writeIndex = unread
            }
            if capacity - writeIndex < wanted {
                let target = min(max(capacity * 2, unread + wanted, Self.initialCapacity), max(limit, unread + wanted))
                storage = realloc(storage, target)
                counters?.inputBufferBytes.wrappingAdd(target - capacity, ordering: .relaxed)
                capacity = target
            }
        }
        return UnsafeMutableRawBufferPointer(start: storage.map { $0 + writeIndex }, count: min(capacity - writeIndex, max(0, limit - unread)))
    }

    func didWrite(_ count: Int) { writeIndex += count }

    func consume(_ count: Int) {
        readIndex += count
        if readIndex == writeIndex {
            readIndex = 0
            writeIndex = 0
        }
    }

    /// Releases the storage once every byte has been consumed: a keep-alive connection waiting
    /// for its next request (most of them, most of the time) then holds no buffer, and one that
    /// grew for a large body gives it back. The next read allocates again. Called after a request
    /// is taken out and whenever a read finds nothing to read (`EventLoop.drive`).
    func releaseIfEmpty() {
        guard readableCount == 0, storage != nil else { return }
        free(storage)
        storage = nil
        counters?.inputBufferBytes.wrappingSubtract(capacity, ordering: .relaxed)
        capacity = 0
        readIndex = 0
        writeIndex = 0
    }
}
