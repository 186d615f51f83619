import Foundation

/// Time as the SOP's institutions read it: Europe/Tirane. A legal date (the day a declaration was
/// signed, the day a deadline falls on) is the date in Tirana, not in UTC — a declaration signed at
/// 00:26 on 7 December in Tirana is dated 2026-12-07, though it is still the 6th in UTC. Stored
/// and signed times stay UTC (RFC 3339); this is for what people read and for legal dates.
public enum LocalTime {
    public static let zone = TimeZone(identifier: "Europe/Tirane")!

    static let calendar: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }()

    /// `2026-12-07`: the calendar date in Tirana.
    public static func dateString(from date: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: date)
        return "\(pad(c.year ?? 0, 4))-\(pad(c.month ?? 0, 2))-\(pad(c.day ?? 0, 2))"
    }

    /// `2026-12-07 00:26 +01:00`: the time in Tirana to the minute, with its offset from UTC.
    public static func string(from date: Date) -> String {
        let c = calendar.dateComponents([.hour, .minute], from: date)
        return "\(dateString(from: date)) \(pad(c.hour ?? 0, 2)):\(pad(c.minute ?? 0, 2)) \(offset(at: date))"
    }

    /// `+01:00` in winter, `+02:00` in summer.
    public static func offset(at date: Date) -> String {
        let seconds = zone.secondsFromGMT(for: date)
        return "\(seconds < 0 ? "-" : "+")\(pad(abs(seconds) / 3600, 2)):\(pad(abs(seconds) / 60 % 60, 2))"
    }

    private static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }
}
