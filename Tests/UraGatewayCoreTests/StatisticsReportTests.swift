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

@Suite struct StatisticsReportTests {
    let calendar = WorkingCalendar(timeZone: TimeZone(identifier: "Europe/Tirane")!, holidays: [])
    let start = Date(timeIntervalSince1970: 1_795_425_300)

    func rows(_ n: Int, cases: Int, county: County? = .tirane, type: String = "referral.shelter", subject: SubjectCategory = .child,
              at: Date? = nil) -> [StatisticsRow] {
        (0..<n).map { i in
            StatisticsRow(county: county, type: MessageType(validated: type), subject: subject, acceptedAt: at ?? start,
                          caseReference: CaseReference(validated: String(format: "AL-2026-%06d", i % cases + 1)))
        }
    }

    @Test func smallCellsAreSuppressedAndLargeOnesCounted() {
        let report = StatisticsReport(rows: rows(12, cases: 6) + rows(4, cases: 4, county: .shkoder) + rows(9, cases: 3, county: .vlore),
                                      from: start, to: start, calendar: calendar)
        let byCounty = Dictionary(uniqueKeysWithValues: report.cells.map { ($0.county, $0) })
        #expect(byCounty["tirane"]?.messages == 12 && byCounty["tirane"]?.cases == 6)
        #expect(byCounty["shkoder"]?.suppressed == true)
        #expect(byCounty["vlore"]?.suppressed == true, "9 messages but only 3 cases: still identifying")
    }

    @Test func monthsAreTiraneMonths() throws {
        // 2026-11-30T23:30Z is already 1 December in Tirane.
        let late = try #require(RFC3339.date(from: "2026-11-30T23:30:00Z"))
        let report = StatisticsReport(rows: rows(5, cases: 5, at: late), from: start, to: late, calendar: calendar)
        #expect(report.cells.map(\.month) == ["2026-12"])
    }

    @Test func theJSONAndCSVHaveNoCaseReferenceAndSayWhatWasSuppressed() {
        let report = StatisticsReport(rows: rows(20, cases: 10) + rows(2, cases: 2, subject: .adult), from: start, to: start, calendar: calendar)
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
        let report = StatisticsReport(rows: rows(12, cases: 6) + rows(4, cases: 4, subject: .adult) + rows(30, cases: 10, county: .shkoder)
                                          + rows(7, cases: 7, county: .shkoder, type: "return.found-abroad") + rows(9, cases: 9, county: .vlore)
                                          + rows(2, cases: 2, county: .vlore, type: "return.found-abroad", subject: .adult),
                                      from: start, to: start, calendar: calendar)
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
