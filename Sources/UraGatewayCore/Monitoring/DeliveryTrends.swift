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

    /// The `count` days up to and including today.
    public init(store: any Store, calendar: WorkingCalendar, now: Date, count: Int = 30) throws(StoreError) {
        let today = calendar.localDate(of: now)
        let first = calendar.adding(days: -(count - 1), to: today)
        let since = calendar.endOfDay(calendar.adding(days: -1, to: first))  // local midnight starting the first day
        var days = (0..<count).map { Day(date: calendar.adding(days: $0, to: first)) }
        var index: [String: Int] = [:]
        for (i, d) in days.enumerated() { index[d.date] = i }
        let localDate = calendar.localDates()
        for row in try store.statisticsRows(from: since, to: now.addingTimeInterval(1)) {
            if let i = index[localDate(row.acceptedAt)] { days[i].accepted += 1 }
        }
        var latencies = [[Double]](repeating: [], count: count)
        for d in try store.settledDeliveries(since: since, limit: 1_000_000) {
            guard let i = index[localDate(d.settledAt)] else { continue }
            if d.delivered {
                days[i].delivered += 1
                latencies[i].append(d.seconds)
            } else {
                days[i].failed += 1
            }
        }
        for i in days.indices where !latencies[i].isEmpty {
            let sorted = latencies[i].sorted()
            func rank(_ q: Double) -> Double { sorted[min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))] }
            days[i].p50 = rank(0.5)
            days[i].p99 = rank(0.99)
        }
        self.days = days
    }
}
