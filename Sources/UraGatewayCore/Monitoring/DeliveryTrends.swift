import Foundation
import UraModel
import UraStore

/// How delivery went day by day (days in Europe/Tirane, by the working calendar's time zone):
/// messages accepted, deliveries delivered and given up, and accept-to-delivered p50 and p99, for
/// the dashboard's charts. Metadata only.
public struct DeliveryTrends: Sendable {
    public struct Day: Sendable, Equatable {
        /// `YYYY-MM-DD` in Tirana.
        public var date: String
        public var accepted = 0
        public var delivered = 0
        public var failed = 0
        /// Seconds from acceptance to delivered; nil on a day with no delivery.
        public var p50: Double?
        public var p99: Double?
    }

    public let days: [Day]

    /// The `count` days up to and including today, counted by the store (one grouped query for
    /// the accepted messages, three for the settled deliveries).
    public init(store: any Store, calendar: WorkingCalendar, now: Date, count: Int = 30) throws(StoreError) {
        let today = calendar.localDate(of: now)
        let periods = (0..<count).map { i in
            let date = calendar.adding(days: i - (count - 1), to: today)
            return CountingPeriod(label: date, start: calendar.startOfDay(date), end: calendar.endOfDay(date))
        }
        var days = periods.map { Day(date: $0.label) }
        var index: [String: Int] = [:]
        for (i, d) in days.enumerated() { index[d.date] = i }
        for count in try store.statisticsCounts(periods: periods, by: [.period]) {
            if let i = count.values[.period].flatMap({ index[$0] }) { days[i].accepted = count.messages }
        }
        for settled in try store.settlementCounts(periods: periods) {
            guard let i = index[settled.period] else { continue }
            days[i].delivered = settled.delivered
            days[i].failed = settled.failed
            days[i].p50 = settled.p50
            days[i].p99 = settled.p99
        }
        self.days = days
    }
}
