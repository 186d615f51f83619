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
import UraStore
import UraStoreSQLite
import UraTestTraits

@Suite(.offThePool) struct StatisticsReportTests {
    let calendar = WorkingCalendar(timeZone: TimeZone(identifier: "Europe/Tirane")!, holidays: [])
    let start = Date(timeIntervalSince1970: 1_795_425_300)

    /// `n` messages of `cases` distinct cases, all in one month.
    func rows(_ n: Int, cases: Int, county: County? = .tirane, type: String = "referral.shelter", subject: SubjectCategory = .child,
              month: String = "2026-11") -> [Row] {
        (0..<n).map { i in Row(county: county?.rawValue ?? "unknown", month: month, type: type, subject: subject.rawValue,
                               caseReference: String(format: "AL-2026-%06d", i % cases + 1)) }
    }

    struct Row { var county, month, type, subject, caseReference: String }

    /// What the store answers for `rows` (its conformance suite checks the counting itself): the
    /// cells, each dimension's totals and the whole, with distinct cases.
    func report(_ rows: [Row]) -> StatisticsReport {
        func counted(_ dimensions: [StatisticsDimension]) -> [StatisticsCount] {
            func value(_ row: Row, _ d: StatisticsDimension) -> String {
                switch d { case .period: row.month; case .county: row.county; case .type: row.type; case .subject: row.subject }
            }
            let groups = Dictionary(grouping: rows) { row in dimensions.map { value(row, $0) } }
            return groups.map { key, members in
                StatisticsCount(values: Dictionary(uniqueKeysWithValues: zip(dimensions, key)), messages: members.count,
                                cases: Set(members.map(\.caseReference)).count)
            }
        }
        var totals: [StatisticsDimension: [StatisticsCount]] = [:]
        for d in StatisticsReport.grouping { totals[d] = counted([d]) }
        return StatisticsReport(cells: counted(StatisticsReport.grouping), totals: totals, total: rows.isEmpty ? nil : counted([]).first,
                                from: start, to: start)
    }

    @Test func smallCellsAreSuppressedAndLargeOnesCounted() {
        let report = report(rows(12, cases: 6) + rows(4, cases: 4, county: .shkoder) + rows(9, cases: 3, county: .vlore))
        let byCounty = Dictionary(uniqueKeysWithValues: report.cells.map { ($0.county, $0) })
        #expect(byCounty["tirane"]?.messages == 12 && byCounty["tirane"]?.cases == 6)
        #expect(byCounty["shkoder"]?.suppressed == true)
        #expect(byCounty["vlore"]?.suppressed == true, "9 messages but only 3 cases: still identifying")
    }

    @Test func monthsAreTiraneMonthsCutToTheRange() throws {
        // 2026-11-30T23:30Z is already 1 December in Tirana: December starts at 23:00 UTC.
        let from = try #require(RFC3339.date(from: "2026-11-15T10:00:00Z")), to = try #require(RFC3339.date(from: "2027-01-02T00:00:00Z"))
        let months = StatisticsReport.months(from: from, to: to, calendar: calendar)
        #expect(months.map(\.label) == ["2026-11", "2026-12", "2027-01"])
        #expect(months[0].start == from && months.last?.end == to)
        #expect(months[1].start == RFC3339.date(from: "2026-11-30T23:00:00Z") && months[0].end == months[1].start)
        #expect(months[1].end == RFC3339.date(from: "2026-12-31T23:00:00Z") && months[2].start == months[1].end)
        #expect(StatisticsReport.months(from: to, to: to, calendar: calendar).isEmpty)
    }

    @Test func theJSONAndCSVHaveNoCaseReferenceAndSayWhatWasSuppressed() {
        let report = report(rows(20, cases: 10) + rows(2, cases: 2, subject: .adult))
        let text = report.json.serializedString()
        #expect(!text.contains("AL-2026") && !report.csv.contains("AL-2026"))
        #expect(report.json["suppression_threshold"] == 5 && report.json["total"]?["messages"] == 22)
        #expect(report.json["suppressed"]?["small"] == 2, "the adults' cell and the adults' total")
        #expect(report.json["suppressed"]?["complementary"] == 2, "the children's cell and total, else 22 − 20 = 2 adults")
        #expect(report.csv.hasPrefix("level,county,month,type,subject,messages,cases,note\r\ntotal,,,,,22,10,\r\n"))
        #expect(report.csv.contains("cell,tirane,2026-11,referral.shelter,adult,,,suppressed"))
    }

    /// No published total covers exactly one suppressed figure: none can be recovered by subtraction.
    @Test func complementarySuppressionLeavesNoLoneSuppressedFigureUnderATotal() {
        let report = report(rows(12, cases: 6) + rows(4, cases: 4, subject: .adult) + rows(30, cases: 10, county: .shkoder)
                            + rows(7, cases: 7, county: .shkoder, type: "return.found-abroad") + rows(9, cases: 9, county: .vlore)
                            + rows(2, cases: 2, county: .vlore, type: "return.found-abroad", subject: .adult))
        let shownTotals = report.totals.filter { !$0.suppressed }
        for total in shownTotals {
            let under = report.cells.filter { cell in
                switch total.dimension {
                case "county": cell.county == total.value
                case "month": cell.month == total.value
                case "type": cell.type.rawValue == total.value
                default: cell.subject.rawValue == total.value
                }
            }
            #expect(under.filter(\.suppressed).count != 1, "\(total.dimension)=\(total.value)")
        }
        #expect(report.cells.filter(\.suppressed).count != 1)
        #expect(report.totals.filter { $0.dimension == "county" && $0.suppressed }.count != 1)
        #expect(report.suppressedComplementary > 0)
        // Tirana: 12 children's referrals shown alone would reveal the 4 adults' from Tirana's 16.
        #expect(report.cells.first { $0.county == "tirane" && $0.subject == .child }?.suppressed == true)
    }
}
