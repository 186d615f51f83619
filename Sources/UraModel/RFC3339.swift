import Foundation

/// RFC 3339 timestamps, written in UTC with a `Z` and milliseconds only when there are any,
/// parsed with any offset and any number of fraction digits. No `DateFormatter`: this runs on
/// every envelope and receipt.
public enum RFC3339 {
    /// `2026-11-23T09:15:00Z`, or `2026-11-23T09:15:00.250Z`.
    public static func string(from date: Date) -> String {
        var millis = writtenMillis(of: date)
        let ms = Int(((millis % 1000) + 1000) % 1000)
        millis -= Int64(ms)
        let seconds = millis / 1000
        let days = Int(floorDiv(seconds, 86_400))
        let secondOfDay = Int(seconds - Int64(days) * 86_400)
        let (y, m, d) = civil(fromDays: days)
        guard (0...9999).contains(y) else {
            var text = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secondOfDay / 3600, 2)):\(pad(secondOfDay / 60 % 60, 2)):\(pad(secondOfDay % 60, 2))"
            if ms != 0 { text += ".\(pad(ms, 3))" }
            return text + "Z"
        }
        // The common case digit by digit into one buffer: this runs for every ledger entry and receipt.
        var text = [UInt8](repeating: 0, count: ms != 0 ? 24 : 20)
        func put(_ value: Int, _ width: Int, at offset: Int) {
            var v = value
            for i in stride(from: offset + width - 1, through: offset, by: -1) {
                text[i] = UInt8(truncatingIfNeeded: 48 + v % 10)
                v /= 10
            }
        }
        put(y, 4, at: 0); text[4] = UInt8(ascii: "-"); put(m, 2, at: 5); text[7] = UInt8(ascii: "-"); put(d, 2, at: 8)
        text[10] = UInt8(ascii: "T"); put(secondOfDay / 3600, 2, at: 11); text[13] = UInt8(ascii: ":")
        put(secondOfDay / 60 % 60, 2, at: 14); text[16] = UInt8(ascii: ":"); put(secondOfDay % 60, 2, at: 17)
        if ms != 0 { text[19] = UInt8(ascii: "."); put(ms, 3, at: 20) }
        text[text.count - 1] = UInt8(ascii: "Z")
        return String(decoding: text, as: UTF8.self)
    }

    /// The milliseconds since 1970 `date` is written with: the largest count whose time as read back
    /// (`readBack`) is not after `date` — the date truncated to the millisecond, decided by
    /// comparing times, not by a product of seconds and a thousand, which far from 1970 lands
    /// thousandths of a millisecond off the count a time read back holds (the ledger-receipt
    /// fuzzer's second finding: `0857-12-07T09:30:01.3112Z` was written `.311`, read back, then
    /// written `.310`). What is written therefore reads back to a time written the same way.
    static func writtenMillis(of date: Date) -> Int64 {
        var millis = Int64((date.timeIntervalSinceReferenceDate * 1000).rounded(.down)) + 978_307_200_000
        while readBack(millis: millis + 1) <= date { millis += 1 }
        while readBack(millis: millis) > date { millis -= 1 }
        return millis
    }

    /// The time of a count of milliseconds since 1970, as `date(from:)` reads a time to the millisecond.
    static func readBack(millis: Int64) -> Date {
        Date(timeIntervalSince1970: Double(millis) / 1000)
    }

    /// `2026-11-23`: the calendar date in UTC.
    public static func dateString(from date: Date) -> String {
        String(string(from: date).prefix(10))
    }

    /// Parses `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`; `nil` for anything else, including
    /// impossible dates like February 30.
    public static func date(from text: String) -> Date? {
        let b = Array(text.utf8)
        guard b.count >= 20 else { return nil }
        func num(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                guard i < b.count, (48...57).contains(b[i]) else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard let year = num(0, 4), b[4] == UInt8(ascii: "-"), let month = num(5, 2), b[7] == UInt8(ascii: "-"),
              let day = num(8, 2), b[10] == UInt8(ascii: "T") || b[10] == UInt8(ascii: "t"),
              let hour = num(11, 2), b[13] == UInt8(ascii: ":"), let minute = num(14, 2), b[16] == UInt8(ascii: ":"),
              let second = num(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
              hour < 24, minute < 60, second < 61 else { return nil }
        var i = 19
        var nanos = 0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 100_000_000
            let start = i
            while i < b.count, (48...57).contains(b[i]) {
                nanos += Int(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        guard i < b.count else { return nil }
        var offset = 0
        switch b[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard i + 6 == b.count, let oh = num(i + 1, 2), b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2),
                  oh < 24, om < 60 else { return nil }
            offset = (oh * 3600 + om * 60) * (b[i] == UInt8(ascii: "+") ? 1 : -1)
            i += 6
        default:
            return nil
        }
        guard i == b.count else { return nil }
        let days = daysFromCivil(year, month, day)
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59) - offset)
        if nanos % 1_000_000 == 0 {  // exact for the millisecond times Ura writes
            return readBack(millis: seconds * 1000 + Int64(nanos / 1_000_000))
        }
        return Date(timeIntervalSince1970: Double(seconds) + Double(nanos) / 1e9)
    }

    /// Parses an RFC 3339 `full-date` (`2026-11-23`) as midnight UTC.
    public static func day(from text: String) -> Date? {
        guard text.utf8.count == 10 else { return nil }
        return date(from: text + "T00:00:00Z")
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
    public static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The (year, month, day) of a count of days since 1970-01-01.
    public static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : (a - b + 1) / b }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let s = String(value)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
}

extension KeyedDecodingContainer {
    /// Decodes an RFC 3339 timestamp, with an error that names the field.
    public func decodeTimestamp(forKey key: Key) throws -> Date {
        let text = try decode(String.self, forKey: key)
        guard let date = RFC3339.date(from: text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "'\(text)' is not an RFC 3339 date-time such as 2026-11-23T09:15:00Z")
        }
        return date
    }

    public func decodeTimestampIfPresent(forKey key: Key) throws -> Date? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try decodeTimestamp(forKey: key)
    }
}

extension KeyedEncodingContainer {
    public mutating func encodeTimestamp(_ date: Date, forKey key: Key) throws {
        try encode(RFC3339.string(from: date), forKey: key)
    }

    public mutating func encodeTimestampIfPresent(_ date: Date?, forKey key: Key) throws {
        if let date { try encodeTimestamp(date, forKey: key) }
    }
}
