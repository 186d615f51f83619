import Glibc
import Synchronization

/// The one listening socket of a server, shared by all its event loops: each adds it to its own
/// epoll with EPOLLEXCLUSIVE, so one loop wakes per new connection. Closed exactly once, by the
/// last holder to let go — `HTTPServer.start` holds it until the loops hold it, then each loop
/// until it took the socket out of its epoll — so no loop can accept on a descriptor number the
/// process has reused for something else.
final class Listener: Sendable {
    let fd: Int32
    private let holders = Atomic<Int>(1)

    /// Takes over `fd`, held once by the caller.
    init(fd: Int32) { self.fd = fd }

    func hold() { holders.wrappingAdd(1, ordering: .sequentiallyConsistent) }

    /// Lets go of one hold; the last one closes the socket.
    func release() {
        guard holders.wrappingSubtract(1, ordering: .sequentiallyConsistent).newValue == 0 else { return }
        close(fd)
    }
}
