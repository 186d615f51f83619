import Glibc

/// Small wrappers over libc that several files need.
package enum SystemCall {
    /// `strerror` of the current (or given) errno, e.g. "Connection refused".
    package static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    /// The text of a NUL-terminated C buffer.
    package static func string(fromCString buffer: [CChar]) -> String {
        String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// CLOCK_MONOTONIC in nanoseconds: deadlines never move when the wall clock does.
    package static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
    }

    /// Raises RLIMIT_NOFILE's soft limit to the hard limit (1,000+ connections need the fds).
    package static func raiseFileDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// Bytes a TCP socket holds that the peer has not acknowledged yet (SIOCOUTQ); 0 if unknown.
    package static func unacknowledgedBytes(_ fd: Int32) -> Int {
        var count: Int32 = 0
        guard ioctl(fd, UInt(TIOCOUTQ), &count) == 0 else { return 0 }
        return Int(count)
    }

    package static func setNoDelay(_ fd: Int32) {
        var one: Int32 = 1
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }
}
