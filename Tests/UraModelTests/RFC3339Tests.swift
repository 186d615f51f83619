import Foundation
import Testing
import UraModel
import UraTestTraits

@Suite(.offThePool) struct RFC3339Tests {
    @Test func writesUTCWithOptionalMilliseconds() {
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 1_795_425_300.25)) == "2026-11-23T09:15:00.250Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: -1)) == "1969-12-31T23:59:59Z")
        #expect(RFC3339.dateString(from: Date(timeIntervalSince1970: 1_795_425_300)) == "2026-11-23")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 253_402_300_800)) == "10000-01-01T00:00:00Z")
        #expect(RFC3339.string(from: Date(timeIntervalSince1970: 253_402_300_799.999)) == "9999-12-31T23:59:59.999Z")
    }

    @Test func parsesOffsetsAndFractions() throws {
        let utc = try #require(RFC3339.date(from: "2026-11-23T09:15:00Z"))
        #expect(RFC3339.date(from: "2026-11-23T10:15:00+01:00") == utc)
        #expect(RFC3339.date(from: "2026-11-23t09:15:00z") == utc)
        #expect(RFC3339.date(from: "2026-11-23T09:15:00.5Z") == utc.addingTimeInterval(0.5))
        #expect(RFC3339.date(from: "2024-02-29T00:00:00Z") != nil)
    }

    @Test(arguments: ["2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-11-23 09:15:00Z", "2026-11-23T09:15:00",
                      "2026-11-23T25:00:00Z", "2026-11-23T09:15:00.Z", "2026-11-23T09:15:00+0100", "yesterday"])
    func rejectsMalformed(_ text: String) {
        #expect(RFC3339.date(from: text) == nil)
    }

    /// A time finer than a millisecond is written truncated to the millisecond, and what is written
    /// reads back to a time written the same way, in every year the format holds. Far from 1970 a
    /// `Double` of seconds times a thousand lands several thousandths of a millisecond off the
    /// count it holds (the ledger-receipt fuzzer's second finding: `0857-12-07T09:30:01.3112Z` was
    /// written `.311`, which read back and was written `.310`).
    @Test func aTimeFinerThanAMillisecondIsWrittenOnceThenStablyInEveryYear() throws {
        var texts = ["0857-12-07T09:30:01.3112Z", "0001-01-01T00:00:00.0009Z", "9999-12-31T23:59:59.9999Z", "1969-12-31T23:59:59.9995Z"]
        for year in stride(from: 1, through: 9999, by: 7) {
            for fraction in ["0004", "3112", "9996", "5"] {
                texts.append(String(format: "%04d-%02d-%02dT%02d:%02d:%02d.%@Z", year, year % 12 + 1, year % 28 + 1, year % 24, year % 60,
                                    (year * 7) % 60, fraction))
            }
        }
        for text in texts {
            let date = try #require(RFC3339.date(from: text), "\(text)")
            let written = RFC3339.string(from: date)
            let again = try #require(RFC3339.date(from: written), "\(written)")
            #expect(abs(again.timeIntervalSince(date)) < 0.001, "\(text) → \(written)")
            #expect(RFC3339.string(from: again) == written, "\(text) → \(written) → \(RFC3339.string(from: again))")
            #expect(written.hasPrefix(String(text.prefix(19))), "\(text) → \(written)")
        }
    }

    @Test func roundTripsAcrossYears() {
        for seconds in stride(from: -2_000_000_000.0, through: 4_000_000_000.0, by: 86_399.123) {
            let date = Date(timeIntervalSince1970: (seconds * 1000).rounded(.down) / 1000)
            #expect(RFC3339.date(from: RFC3339.string(from: date)) == date)
        }
    }
}

/// Legal dates and times people read are in Europe/Tirane.
@Suite(.offThePool) struct LocalTimeTests {
    @Test func aDeclarationJustAfterMidnightInTiranaIsDatedThatDay() {
        let signed = RFC3339.date(from: "2026-12-06T23:26:00Z")!  // 00:26 on 7 December in Tirana
        #expect(RFC3339.dateString(from: signed) == "2026-12-06")
        #expect(LocalTime.dateString(from: signed) == "2026-12-07")
        #expect(LocalTime.string(from: signed) == "2026-12-07 00:26 +01:00")
    }

    @Test func summerTimeIsTwoHoursAhead() {
        #expect(LocalTime.string(from: RFC3339.date(from: "2026-07-01T14:00:00Z")!) == "2026-07-01 16:00 +02:00")
    }
}
