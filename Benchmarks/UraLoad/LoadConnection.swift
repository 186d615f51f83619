import Glibc
import COpenSSL
import UraHTTPCore
import UraHTTPServer

/// One keep-alive connection of the load generator, with at most one request in flight.
final class LoadConnection {
    let index: Int
    let fd: Int32
    let ssl: OpaquePointer?
    var alive = true
    var inFlight = false
    /// When the request in flight was due (open loop) or sent (closed loop), monotonic ns.
    var startedAt: UInt64 = 0
    /// The workload index of the request in flight.
    var request = 0
    /// Bytes SSL_write could not take yet (WANT_WRITE); retried on EPOLLOUT.
    var pendingWrite: [UInt8] = []
    /// Whether epoll also reports the socket writable (changed only when it must be).
    var watchesWrites = false
    var received: [UInt8] = []
    /// Bytes of `received` already searched for the end of the head.
    var scanned = 0

    init(index: Int, fd: Int32, ssl: OpaquePointer?) {
        self.index = index
        self.fd = fd
        self.ssl = ssl
        received.reserveCapacity(16 * 1024)
    }

    deinit {
        if let ssl { SSL_free(ssl) }
        close(fd)
    }

    enum Parsed {
        case incomplete
        /// A final response: its status and whether the server will close the connection.
        case response(status: Int, closes: Bool)
        case malformed
    }

    /// Takes one complete response off the front of `received`, if there is one.
    func takeResponse() -> Parsed {
        while true {
            guard let headEnd = findHeadEnd() else { return .incomplete }
            let fields = received.withUnsafeBufferPointer { Self.scanHead($0[..<headEnd]) }
            guard let (status, contentLength, closes) = fields else { return .malformed }
            if (100..<200).contains(status) {
                received.removeFirst(headEnd)
                scanned = 0
                continue
            }
            guard received.count >= headEnd + contentLength else { return .incomplete }
            received.removeFirst(headEnd + contentLength)
            scanned = 0
            return .response(status: status, closes: closes)
        }
    }

    /// Status, Content-Length and `Connection: close` of a response head, read byte by byte
    /// (the generator shares the machine with the server it measures, so it stays lean).
    private static func scanHead(_ head: Slice<UnsafeBufferPointer<UInt8>>) -> (Int, Int, Bool)? {
        let start = head.startIndex
        guard head.count >= 12, head[start] == UInt8(ascii: "H"),
              head[start + 9].isDigit, head[start + 10].isDigit, head[start + 11].isDigit else { return nil }
        let status = Int(head[start + 9] - .zero) * 100 + Int(head[start + 10] - .zero) * 10 + Int(head[start + 11] - .zero)
        var contentLength = 0
        var closes = false
        var line = start
        while line < head.endIndex {
            var end = line
            while end < head.endIndex && head[end] != .cr { end += 1 }
            if Self.hasPrefix(head, line, end, "content-length:") {
                var index = line + 15
                while index < end && (head[index] == .space || head[index] == .tab) { index += 1 }
                while index < end && head[index].isDigit {
                    contentLength = contentLength * 10 + Int(head[index] - .zero)
                    index += 1
                }
            } else if Self.hasPrefix(head, line, end, "connection:") {
                var index = line + 11
                while index + 5 <= end {
                    if Self.hasPrefix(head, index, end, "close") { closes = true }
                    index += 1
                }
            }
            line = end + 2
        }
        return (status, contentLength, closes)
    }

    /// ASCII case-insensitive: does `head[from..<end]` start with the lowercase `literal`?
    private static func hasPrefix(_ head: Slice<UnsafeBufferPointer<UInt8>>, _ from: Int, _ end: Int, _ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard end - from >= count else { return false }
        let expected = literal.utf8Start
        for offset in 0..<count {
            let byte = head[from + offset]
            let folded = byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
            if folded != expected[offset] { return false }
        }
        return true
    }

    /// Index just past the blank line ending the head, or nil.
    private func findHeadEnd() -> Int? {
        guard received.count >= 4 else { return nil }
        var index = max(0, scanned - 3)
        defer { scanned = received.count }
        return received.withUnsafeBufferPointer { bytes in
            while index + 3 < bytes.count {
                if bytes[index] == .cr && bytes[index + 1] == .lf && bytes[index + 2] == .cr && bytes[index + 3] == .lf {
                    return index + 4
                }
                index += 1
            }
            return nil
        }
    }
}
