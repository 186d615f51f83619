import Foundation
import UraJSON
import UraModel
import UraProtocol

/// The working calendar the SOP's deadlines are counted in: Monday to Friday in Europe/Tirane,
/// without public holidays, a working day ending at 16:00 (public administration hours).
///
/// Public holidays come from a file (`deploy/holidays-al.json`) because the moveable ones (both
/// Easters, both Bayrams) are announced year by year. A holiday on a Saturday or Sunday moves to
/// the next working day that is not already a holiday, as Albanian law provides.
public struct WorkingCalendar: Sendable {
    public let timeZone: TimeZone
    /// Local dates (`YYYY-MM-DD`) that are not working days, substitutes included.
    public let holidays: Set<String>
    /// When the working day ends, in minutes after local midnight.
    public let workingDayEnd: Int
    private let calendar: Calendar

    public init(timeZone: TimeZone, holidays: [String], workingDayEnd: Int = 16 * 60, weekendSubstitution: Bool = true) {
        self.timeZone = timeZone
        self.workingDayEnd = workingDayEnd
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
        var all = Set(holidays)
        if weekendSubstitution {
            for holiday in Set(holidays).sorted() {
                guard let day = RFC3339.day(from: holiday), WorkingCalendar.isWeekend(day) else { continue }
                var substitute = day.addingTimeInterval(86_400)
                while WorkingCalendar.isWeekend(substitute) || all.contains(RFC3339.dateString(from: substitute)) {
                    substitute = substitute.addingTimeInterval(86_400)
                }
                all.insert(RFC3339.dateString(from: substitute))
            }
        }
        self.holidays = all
    }

    /// Loads `{"timezone": "Europe/Tirane", "working_day_end": "16:00", "holidays": [{"date": "2026-01-01", "name": …}]}`.
    public init(contentsOf url: URL) throws {
        let json = try JSONValue(parsing: Array(try Data(contentsOf: url)))
        let zoneName = json["timezone"]?.stringValue ?? "Europe/Tirane"
        guard let zone = TimeZone(identifier: zoneName) else {
            throw ModelError(field: "timezone", reason: "'\(zoneName)' is not a known time zone")
        }
        var end = 16 * 60
        if let text = json["working_day_end"]?.stringValue {
            let parts = text.split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, (0..<24).contains(parts[0]), (0..<60).contains(parts[1]) else {
                throw ModelError(field: "working_day_end", reason: "'\(text)' is not a time like 16:00")
            }
            end = parts[0] * 60 + parts[1]
        }
        var dates: [String] = []
        for (i, entry) in (json["holidays"]?.arrayValue ?? []).enumerated() {
            guard let date = entry["date"]?.stringValue, RFC3339.day(from: date) != nil else {
                throw ModelError(field: "holidays[\(i)].date", reason: "must be a date like 2026-11-28")
            }
            dates.append(date)
        }
        self.init(timeZone: zone, holidays: dates, workingDayEnd: end,
                  weekendSubstitution: json["weekend_substitution"]?.boolValue ?? true)
    }

    /// Weekday of a UTC-midnight date (the calendar day itself, not a moment in Tirane).
    private static func isWeekend(_ utcMidnight: Date) -> Bool {
        let days = Int(floor(utcMidnight.timeIntervalSince1970 / 86_400))
        let weekday = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday; 0 = Sunday
        return weekday == 0 || weekday == 6
    }

    /// The local calendar date of `moment`, as `YYYY-MM-DD`.
    public func localDate(of moment: Date) -> String {
        let c = calendar.dateComponents([.year, .month, .day], from: moment)
        return String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
    }

    public func isWorkingDay(_ localDate: String) -> Bool {
        guard let day = RFC3339.day(from: localDate) else { return false }
        return !WorkingCalendar.isWeekend(day) && !holidays.contains(localDate)
    }

    /// The moment a local date's working day ends.
    public func endOfWorkingDay(_ localDate: String) -> Date {
        moment(localDate, hour: workingDayEnd / 60, minute: workingDayEnd % 60)
    }

    /// The moment a local date begins (its local midnight).
    public func startOfDay(_ localDate: String) -> Date {
        moment(localDate, hour: 0, minute: 0)
    }

    /// The moment a local date ends (the local midnight after it).
    public func endOfDay(_ localDate: String) -> Date {
        moment(adding(days: 1, to: localDate), hour: 0, minute: 0)
    }

    /// A local wall-clock time on a local date (built from components, so DST days come out right).
    private func moment(_ localDate: String, hour: Int, minute: Int) -> Date {
        let parts = localDate.split(separator: "-").compactMap { Int($0) }
        var components = DateComponents()
        components.year = parts[0]
        components.month = parts[1]
        components.day = parts[2]
        components.hour = hour
        components.minute = minute
        return calendar.date(from: components)!
    }

    /// The local date `days` calendar days after `localDate`.
    public func adding(days: Int, to localDate: String) -> String {
        let day = RFC3339.day(from: localDate)!.addingTimeInterval(Double(days) * 86_400)
        return RFC3339.dateString(from: day)
    }

    /// The local date `months` calendar months after `localDate` (clamped to the month's last day).
    public func adding(months: Int, to localDate: String) -> String {
        let parts = localDate.split(separator: "-").compactMap { Int($0) }
        let total = parts[0] * 12 + (parts[1] - 1) + months
        let year = total / 12, month = total % 12 + 1
        var probe = DateComponents()
        probe.year = year
        probe.month = month
        probe.day = 1
        let range = calendar.range(of: .day, in: .month, for: calendar.date(from: probe)!)!
        return String(format: "%04d-%02d-%02d", year, month, min(parts[2], range.count))
    }

    /// The next working day strictly after `localDate`.
    public func nextWorkingDay(after localDate: String) -> String {
        var day = adding(days: 1, to: localDate)
        while !isWorkingDay(day) { day = adding(days: 1, to: day) }
        return day
    }

    /// When a follow-up is due under `rule`, counting from `start` (the trigger's acceptance).
    ///
    /// - `same-day`: the end of today's working day, or of the next working day when `start` is
    ///   after hours, at a weekend or on a holiday.
    /// - `Nh`: exactly N hours later.
    /// - `Nd`: the end of the Nth calendar day after the day of `start` (that day is not counted).
    /// - `Nwd`: the end of the working day of the Nth working day after the day of `start`.
    /// - `monthly`: the end of the same day one month later (`occurrence` months for the Nth report).
    public func due(_ rule: DeadlineRule, from start: Date, occurrence: Int = 1) -> Date {
        let today = localDate(of: start)
        switch rule {
        case .sameDay:
            if isWorkingDay(today) && start < endOfWorkingDay(today) { return endOfWorkingDay(today) }
            return endOfWorkingDay(nextWorkingDay(after: today))
        case .hours(let n):
            return start.addingTimeInterval(Double(n) * 3600)
        case .days(let n):
            return endOfDay(adding(days: n, to: today))
        case .workingDays(let n):
            var day = today
            for _ in 0..<n { day = nextWorkingDay(after: day) }
            return endOfWorkingDay(day)
        case .monthly:
            return endOfDay(adding(months: occurrence, to: today))
        }
    }
}
