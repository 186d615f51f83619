/// The `format`s this validator asserts (when `ValidatorOptions.formatAssertion` is on); other
/// format names stay annotations. Checks work on UTF-8 bytes and accept ASCII digits only.
enum StringFormat: String, Sendable {
    case dateTime = "date-time"
    case date
    case time
    case email
    case uuid
    case ipv4
    case ipv6

    func accepts(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        switch self {
        case .dateTime: return StringFormat.isDateTime(bytes[...])
        case .date: return StringFormat.isFullDate(bytes[...])
        case .time: return StringFormat.isFullTime(bytes[...])
        case .email: return StringFormat.isMailbox(bytes[...])
        case .uuid: return StringFormat.isUUID(bytes)
        case .ipv4: return StringFormat.isIPv4(bytes[...])
        case .ipv6: return StringFormat.isIPv6(bytes[...])
        }
    }

    /// What a valid value looks like, for error messages.
    var example: String {
        switch self {
        case .dateTime: "an RFC 3339 date-time such as 2026-11-23T09:15:00Z"
        case .date: "an RFC 3339 full-date such as 2026-11-23"
        case .time: "an RFC 3339 full-time such as 09:15:00Z"
        case .email: "an e-mail address (RFC 5321 mailbox) such as name@example.al"
        case .uuid: "a UUID such as 0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c"
        case .ipv4: "an IPv4 address such as 192.0.2.1"
        case .ipv6: "an IPv6 address such as 2001:db8::1"
        }
    }

    // MARK: - RFC 3339

    private static func digits(_ bytes: ArraySlice<UInt8>, _ from: Int, _ count: Int) -> Int? {
        let start = bytes.startIndex + from
        guard start + count <= bytes.endIndex else { return nil }
        var value = 0
        for byte in bytes[start..<(start + count)] {
            guard byte >= 48 && byte <= 57 else { return nil }
            value = value * 10 + Int(byte - 48)
        }
        return value
    }

    /// `full-date = date-fullyear "-" date-month "-" date-mday`, with a day that exists.
    static func isFullDate(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count == 10, let year = digits(bytes, 0, 4), bytes[bytes.startIndex + 4] == UInt8(ascii: "-"),
              let month = digits(bytes, 5, 2), bytes[bytes.startIndex + 7] == UInt8(ascii: "-"),
              let day = digits(bytes, 8, 2), (1...12).contains(month) else { return false }
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return (1...days).contains(day)
    }

    /// `full-time = partial-time time-offset`; second 60 only where the UTC time is 23:59:60.
    static func isFullTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        let b = bytes.startIndex
        guard bytes.count >= 9, let hour = digits(bytes, 0, 2), bytes[b + 2] == UInt8(ascii: ":"),
              let minute = digits(bytes, 3, 2), bytes[b + 5] == UInt8(ascii: ":"), let second = digits(bytes, 6, 2),
              hour < 24, minute < 60, second <= 60 else { return false }
        var i = b + 8
        if bytes[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            while i < bytes.endIndex, bytes[i] >= 48 && bytes[i] <= 57 { i += 1 }
            guard i > start else { return false }
        }
        guard i < bytes.endIndex else { return false }
        var offsetMinutes = 0
        switch bytes[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            guard i + 1 == bytes.endIndex else { return false }
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let offset = bytes[(i + 1)...]
            guard offset.count == 5, let oh = digits(offset, 0, 2), offset[offset.startIndex + 2] == UInt8(ascii: ":"),
                  let om = digits(offset, 3, 2), oh < 24, om < 60 else { return false }
            offsetMinutes = (oh * 60 + om) * (bytes[i] == UInt8(ascii: "+") ? 1 : -1)
        default:
            return false
        }
        if second == 60 {
            let utc = ((hour * 60 + minute - offsetMinutes) % 1440 + 1440) % 1440
            return utc == 23 * 60 + 59
        }
        return true
    }

    /// `date-time = full-date "T" full-time` (T and Z in either case).
    static func isDateTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count > 11 else { return false }
        let t = bytes[bytes.startIndex + 10]
        guard t == UInt8(ascii: "T") || t == UInt8(ascii: "t") else { return false }
        return isFullDate(bytes.prefix(10)) && isFullTime(bytes.dropFirst(11))
    }

    // MARK: - UUID (RFC 9562 §4: hex digits in either case)

    static func isUUID(_ bytes: [UInt8]) -> Bool {
        guard bytes.count == 36 else { return false }
        for (i, byte) in bytes.enumerated() {
            if i == 8 || i == 13 || i == 18 || i == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else if !isHexDigit(byte) {
                return false
            }
        }
        return true
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...70).contains(byte) || (97...102).contains(byte)
    }

    // MARK: - IP addresses

    /// Dotted quad, decimal, no leading zeros.
    static func isIPv4(_ bytes: ArraySlice<UInt8>) -> Bool {
        let parts = bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  part.count == 1 || part.first != UInt8(ascii: "0"),
                  let value = digits(part, 0, part.count), value <= 255 else { return false }
        }
        return true
    }

    /// RFC 4291 §2.2 text forms: eight groups, one `::`, an IPv4 tail; no zone, no prefix length.
    static func isIPv6(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= 2 else { return false }
        let colon = UInt8(ascii: ":")
        var head = bytes[...]
        var tail: ArraySlice<UInt8> = []
        var compressed = false
        if let range = firstDoubleColon(bytes) {
            compressed = true
            head = bytes[..<range]
            tail = bytes[(range + 2)...]
            if firstDoubleColon(tail) != nil { return false }
        }
        func groups(_ part: ArraySlice<UInt8>, allowIPv4Tail: Bool) -> Int? {
            if part.isEmpty { return 0 }
            let pieces = part.split(separator: colon, omittingEmptySubsequences: false)
            var count = 0
            for (i, piece) in pieces.enumerated() {
                if i == pieces.count - 1, allowIPv4Tail, piece.contains(UInt8(ascii: ".")) {
                    guard isIPv4(piece) else { return nil }
                    count += 2
                } else {
                    guard (1...4).contains(piece.count), piece.allSatisfy(isHexDigit) else { return nil }
                    count += 1
                }
            }
            return count
        }
        guard let headCount = groups(head, allowIPv4Tail: !compressed),
              let tailCount = groups(tail, allowIPv4Tail: true) else { return false }
        return compressed ? headCount + tailCount <= 7 : headCount == 8
    }

    private static func firstDoubleColon(_ bytes: ArraySlice<UInt8>) -> Int? {
        var i = bytes.startIndex
        while i + 1 < bytes.endIndex {
            if bytes[i] == UInt8(ascii: ":") && bytes[i + 1] == UInt8(ascii: ":") { return i }
            i += 1
        }
        return nil
    }

    // MARK: - E-mail (RFC 5321 §4.1.2 Mailbox)

    /// `Local-part "@" ( Domain / address-literal )`, ASCII only (internationalised addresses are
    /// the separate `idn-email` format).
    static func isMailbox(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.startIndex
        if i < bytes.endIndex, bytes[i] == UInt8(ascii: "\"") {
            // Quoted-string: qtextSMTP or a backslash-quoted printable character.
            i += 1
            var closed = false
            while i < bytes.endIndex {
                let byte = bytes[i]
                if byte == UInt8(ascii: "\"") { closed = true; i += 1; break }
                if byte == UInt8(ascii: "\\") {
                    guard i + 1 < bytes.endIndex, (32...126).contains(bytes[i + 1]) else { return false }
                    i += 2
                } else {
                    guard (32...126).contains(byte) else { return false }
                    i += 1
                }
            }
            guard closed, i - bytes.startIndex <= 66 else { return false }
        } else {
            // Dot-string: atoms of atext separated by single dots.
            let start = i
            var previousWasDot = true
            while i < bytes.endIndex, bytes[i] != UInt8(ascii: "@") {
                if bytes[i] == UInt8(ascii: ".") {
                    guard !previousWasDot else { return false }
                    previousWasDot = true
                } else {
                    guard isAtext(bytes[i]) else { return false }
                    previousWasDot = false
                }
                i += 1
            }
            guard i > start, !previousWasDot, i - start <= 64 else { return false }
        }
        guard i < bytes.endIndex, bytes[i] == UInt8(ascii: "@") else { return false }
        let domain = bytes[(i + 1)...]
        if domain.first == UInt8(ascii: "[") {
            guard domain.last == UInt8(ascii: "]") else { return false }
            let literal = domain.dropFirst().dropLast()
            let ipv6Tag = Array("IPv6:".utf8)
            if literal.starts(with: ipv6Tag) { return isIPv6(literal.dropFirst(ipv6Tag.count)) }
            return isIPv4(literal)
        }
        return isDomain(domain)
    }

    private static func isAtext(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: "!#$%&'*+-/=?^_`{|}~".utf8.contains(byte)
        }
    }

    /// Dot-separated labels of letters, digits and inner hyphens, each at most 63 long, 253 in all.
    static func isDomain(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 253 else { return false }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard (1...63).contains(label.count), label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
                  label.allSatisfy({ isAlphanumeric($0) || $0 == UInt8(ascii: "-") }) else { return false }
        }
        return true
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte)
    }
}
