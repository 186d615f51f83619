import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraModel
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestTraits

@Suite(.offThePool) struct WorkingCalendarTests {
    static let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../deploy/holidays-al.json")
    let calendar: WorkingCalendar

    init() throws { calendar = try WorkingCalendar(contentsOf: Self.file) }

    func at(_ text: String) throws -> Date { try #require(RFC3339.date(from: text)) }

    @Test func weekendHolidaysMoveToTheNextFreeWorkingDay() {
        // 2026-11-22 (Alphabet Day) is a Sunday: Monday the 23rd is off. Independence (Sat 28) and
        // Liberation (Sun 29) move to Monday 30 and Tuesday 1 December.
        #expect(!calendar.isWorkingDay("2026-11-23"))
        #expect(calendar.isWorkingDay("2026-11-24"))
        #expect(!calendar.isWorkingDay("2026-11-30"))
        #expect(!calendar.isWorkingDay("2026-12-01"))
        #expect(calendar.isWorkingDay("2026-12-02"))
        // Both Easters on Sunday 2025-04-20 give one substitute day, not two.
        #expect(!calendar.isWorkingDay("2025-04-21"))
        #expect(calendar.isWorkingDay("2025-04-22"))
    }

    @Test func sameDayMeansTheEndOfTheWorkingDayInTirane() throws {
        // Tuesday 2026-11-24 10:00 in Tirane (09:00Z) → 16:00 Tirane (15:00Z).
        #expect(calendar.due(.sameDay, from: try at("2026-11-24T09:00:00Z")) == (try at("2026-11-24T15:00:00Z")))
        // After hours on Friday 27th: the next working day is Wednesday 2 December.
        #expect(calendar.due(.sameDay, from: try at("2026-11-27T16:30:00Z")) == (try at("2026-12-02T15:00:00Z")))
        // On the holiday itself (Monday 23rd): Tuesday.
        #expect(calendar.due(.sameDay, from: try at("2026-11-23T08:00:00Z")) == (try at("2026-11-24T15:00:00Z")))
    }

    @Test func hoursAreExact() throws {
        #expect(calendar.due(.hours(24), from: try at("2026-11-24T09:17:00Z")) == (try at("2026-11-25T09:17:00Z")))
        #expect(calendar.due(.hours(72), from: try at("2026-11-27T20:00:00Z")) == (try at("2026-11-30T20:00:00Z")))
    }

    @Test func calendarDaysEndAtMidnightInTirane() throws {
        // 15 days from Tuesday 24 November: the end of 9 December, local midnight = 23:00Z.
        #expect(calendar.due(.days(15), from: try at("2026-11-24T09:00:00Z")) == (try at("2026-12-09T23:00:00Z")))
        // Across the spring DST change (29 March 2026): midnight is then 22:00Z.
        #expect(calendar.due(.days(2), from: try at("2026-03-27T09:00:00Z")) == (try at("2026-03-29T22:00:00Z")))
    }

    @Test func workingDaysSkipWeekendsAndHolidays() throws {
        // From Thursday 3 December 2026: Fri 4, Mon 7, (Tue 8 Youth Day), Wed 9, Thu 10, Fri 11.
        #expect(calendar.due(.workingDays(5), from: try at("2026-12-03T09:00:00Z")) == (try at("2026-12-11T15:00:00Z")))
        // From Friday 27 November: Wed 2 December is the first working day.
        #expect(calendar.due(.workingDays(1), from: try at("2026-11-27T09:00:00Z")) == (try at("2026-12-02T15:00:00Z")))
        // 30 working days from Tuesday 24 November: 3 in November, 19 in December (2 Dec–31 Dec
        // without 8 and 25), then 2027-01-01 and the substitute for Saturday 2 January (Monday 4) are
        // off: 5, 6, 7, 8, 11, 12, 13 January.
        let due = calendar.due(.workingDays(30), from: try at("2026-11-24T09:00:00Z"))
        #expect(calendar.localDate(of: due) == "2027-01-13")
    }

    @Test func monthlyReportsFallOnTheSameDayOfEachMonth() throws {
        let start = try at("2026-01-31T10:00:00Z")
        #expect(calendar.localDate(of: calendar.due(.monthly, from: start, occurrence: 1).addingTimeInterval(-1)) == "2026-02-28")
        #expect(calendar.localDate(of: calendar.due(.monthly, from: start, occurrence: 24).addingTimeInterval(-1)) == "2028-01-31")
    }

    @Test func badFilesAreRefusedWithTheField() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cal-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let cases = [
            (#"{"holidays":[{"date":"2026-13-01"}]}"#, "holidays[0].date"),
            (#"{"timezone":"Mars/Olympus","holidays":[]}"#, "timezone"),
            (#"{"working_day_end":"25:00","holidays":[]}"#, "working_day_end"),
        ]
        for (text, field) in cases {
            let url = dir.appendingPathComponent("h.json")
            try Data(text.utf8).write(to: url)
            #expect { try WorkingCalendar(contentsOf: url) } throws: { ($0 as? ModelError)?.field == field }
        }
    }
}
