import Glibc
import UraHTTPCore

/// Writes responses onto the wire: status line, the handler's fields (minus the ones the server
/// owns), `Content-Length`, `Date`, `Connection: close` when closing, then the body.
/// One per event loop; it caches the `Date` line for the current second.
struct ResponseEncoder {
    private var dateSecond = 0
    private var dateLine: [UInt8] = []
    /// `HTTP/1.1 202 Accepted\r\n` and friends, built once per status.
    private var statusLines: [Int: [UInt8]] = [:]

    static let continueResponse = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// `omitBody`: a HEAD request (the length is still announced).
    mutating func encode(_ response: HTTPResponse, omitBody: Bool, close: Bool) -> [UInt8] {
        let status = (200...599).contains(response.status) ? response.status : 500
        let bodyAllowed = status != 204 && status != 304
        var out: [UInt8] = []
        out.reserveCapacity(160 + response.headers.count * 48 + (omitBody || !bodyAllowed ? 0 : response.body.count))
        if let line = statusLines[status] {
            out.append(contentsOf: line)
        } else {
            let line = Array("HTTP/1.1 \(status) \(HTTPStatus.reasonPhrase(status))\r\n".utf8)
            statusLines[status] = line
            out.append(contentsOf: line)
        }
        for (name, value) in response.headers where !Self.isServerOwned(name) {
            guard !name.isEmpty, name.utf8.allSatisfy(\.isTokenCharacter) else { continue }
            out.append(contentsOf: name.utf8)
            out.append(.colon)
            out.append(.space)
            // A CR or LF in a value would let a handler smuggle a field or a second response.
            for byte in value.utf8 { out.append(byte == .cr || byte == .lf ? .space : byte) }
            out.append(.cr)
            out.append(.lf)
        }
        if bodyAllowed {
            out.append(contentsOf: "Content-Length: \(response.body.count)\r\n".utf8)
        }
        out.append(contentsOf: currentDateLine())
        if close { out.append(contentsOf: "Connection: close\r\n".utf8) }
        out.append(.cr)
        out.append(.lf)
        if bodyAllowed && !omitBody { out.append(contentsOf: response.body) }
        return out
    }

    /// Fields whose values the server decides.
    private static func isServerOwned(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4: HTTPHeaders.equalIgnoringCase(name, "date")
        case 10: HTTPHeaders.equalIgnoringCase(name, "connection")
        case 14: HTTPHeaders.equalIgnoringCase(name, "content-length")
        case 17: HTTPHeaders.equalIgnoringCase(name, "transfer-encoding")
        default: false
        }
    }

    /// `Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n` (IMF-fixdate, RFC 9110 §5.6.7).
    private mutating func currentDateLine() -> [UInt8] {
        var now = time(nil)
        if Int(now) != dateSecond || dateLine.isEmpty {
            dateSecond = Int(now)
            var parts = tm()
            gmtime_r(&now, &parts)
            let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
            let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
            func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
            let text = "Date: \(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
                + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT\r\n"
            dateLine = Array(text.utf8)
        }
        return dateLine
    }
}
