import COpenSSL
import Glibc

/// One keep-alive connection of the load generator, with at most one request in flight.
final class LoadConnection {
    let index: Int
    let fd: Int32
    let ssl: OpaquePointer?
    var alive = true
    var inFlight = false
    /// When the request in flight was due (open loop) or sent (closed loop), monotonic ns.
    var startedAt: UInt64 = 0
    /// Bytes SSL_write could not take yet (WANT_WRITE); retried on EPOLLOUT.
    var pendingWrite: [UInt8] = []
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
            guard received.count >= 12, received[0] == UInt8(ascii: "H"),
                  let status = Int(String(decoding: received[9..<12], as: UTF8.self)) else { return .malformed }
            var contentLength = 0
            var closes = false
            let head = String(decoding: received[..<headEnd], as: UTF8.self)
            for line in head.split(separator: "\r\n").dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                let name = line[..<colon].lowercased()
                let value = line[line.index(after: colon)...].trimmingWhitespace()
                if name == "content-length" { contentLength = Int(value) ?? 0 }
                if name == "connection" && value.lowercased().contains("close") { closes = true }
            }
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
