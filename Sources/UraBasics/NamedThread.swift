import Foundation
import Glibc

extension Thread {
    /// Starts a thread that runs `body` under `name` as the kernel knows it: what `ps -L`, `top`,
    /// gdb and `Thread.current.name` show. At most 15 bytes reach the kernel.
    ///
    /// Foundation on Linux cannot be trusted with this: a name set before `start` is dropped (the
    /// thread does not exist yet), and one set from inside is dropped when the new thread gets
    /// there before `start` has returned in its parent — which on a busy machine it sometimes does.
    public static func startNamed(_ name: String, _ body: @escaping @Sendable () -> Void) {
        Thread {
            nameCurrentThread(name)
            body()
        }.start()
    }

    /// Names the calling thread for the kernel (`/proc/thread-self/comm`, as `prctl(PR_SET_NAME)`).
    private static func nameCurrentThread(_ name: String) {
        let fd = open("/proc/thread-self/comm", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }  // no /proc: the thread keeps its parent's name
        let bytes = Array(name.utf8.prefix(15))
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
}
