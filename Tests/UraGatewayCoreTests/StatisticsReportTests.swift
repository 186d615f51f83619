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

    @Test func theJSONHasNoCaseReferencesAndNoTotals() {
        let report = StatisticsReport(rows: rows(20, cases: 10) + rows(2, cases: 2, subject: .adult), from: start, to: start, calendar: calendar)
        let text = report.json.serializedString()
        #expect(!text.contains("AL-2026"))
        #expect(!text.contains("total"))
        #expect(text.contains(#""suppressed":true"#))
    }
}
