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
import UraJSON
import UraModel
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestTraits

@Suite(.offThePool) struct DeadlinePlannerTests {
    static let catalogueText = """
    {"version": "test", "types": [
      {"type": "return.assessment-request", "title": "t", "title_sq": "t", "schema": "s", "from": ["secretariat"], "to": ["social", "child"],
       "urgency": "immediate", "expects": [
         {"types": ["return.assessment-report"], "within": "7d", "when_subject": "adult", "by": ["social"], "note": "adult"},
         {"types": ["return.assessment-report"], "within": "15d", "when_subject": "child", "by": ["child"], "note": "child"}]},
      {"type": "return.assessment-report", "title": "t", "title_sq": "t", "schema": "s", "from": ["social", "child"], "to": ["secretariat"],
       "urgency": "routine"},
      {"type": "reintegration.plan", "form": "D1", "title": "t", "title_sq": "t", "schema": "s", "from": ["social"], "to": ["secretariat"],
       "urgency": "routine", "expects": [
         {"types": ["reintegration.monitoring-report"], "within": "monthly", "for_months": 24, "by": ["social", "child", "shelter"], "note": "D2"}]},
      {"type": "identification.appeal", "title": "t", "title_sq": "t", "schema": "s", "from": ["justice"], "to": ["secretariat"],
       "urgency": "routine", "expects": [
         {"types": ["identification.appeal-hearing"], "within": "5wd", "per": "message", "by": ["secretariat"], "note": "hearing"}]},
      {"type": "identification.appeal-hearing", "title": "t", "title_sq": "t", "schema": "s", "from": ["secretariat"], "to": ["justice"],
       "urgency": "routine"},
      {"type": "reintegration.monitoring-report", "form": "D2", "title": "t", "title_sq": "t", "schema": "s", "from": ["social"],
       "to": ["secretariat"], "urgency": "routine"}
    ]}
    """

    let planner: DeadlinePlanner
    let start = Date(timeIntervalSince1970: 1_795_510_800)  // Tuesday 2026-11-24T09:00:00Z

    init() throws {
        let catalogue = try JSONDecoder().decode(Catalogue.self, from: Data(Self.catalogueText.utf8))
        planner = DeadlinePlanner(catalogue: catalogue, calendar: WorkingCalendar(timeZone: TimeZone(identifier: "Europe/Tirane")!, holidays: []))
    }

    func metadata(_ type: String, subject: SubjectCategory) -> MessageMetadata {
        MessageMetadata(id: MessageID(validated: "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c"), type: MessageType(validated: type),
                        from: AgencyID(validated: "al.mpb.secretariat"), to: [AgencyID(validated: "al.shssh.tirane"), AgencyID(validated: "al.ashdmf.tirane")],
                        caseReference: CaseReference(validated: "AL-2026-000042"), subject: subject, priority: .normal, created: start,
                        expires: start.addingTimeInterval(86_400 * 60), inReplyTo: nil, participants: nil, county: .tirane)
    }

    let parties: [AgencyID: AgencyKind] = [AgencyID(validated: "al.mpb.secretariat"): .secretariat,
                                           AgencyID(validated: "al.shssh.tirane"): .social, AgencyID(validated: "al.ashdmf.tirane"): .child]

    @Test func aChildsAssessmentIsDueInFifteenDaysFromChildProtection() throws {
        let deadlines = planner.deadlines(for: metadata("return.assessment-request", subject: .unknown), acceptedAt: start, parties: parties)
        #expect(deadlines.count == 1)
        let d = try #require(deadlines.first)
        #expect(d.id == "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c/1")
        #expect(d.rule == .days(15) && d.responsibleKinds == [.child] && d.responsible == [AgencyID(validated: "al.ashdmf.tirane")])
        #expect(d.due == RFC3339.date(from: "2026-12-09T23:00:00Z"))
    }

    @Test func anAdultsAssessmentIsDueInSevenDaysFromSocialServices() throws {
        let deadlines = planner.deadlines(for: metadata("return.assessment-request", subject: .adult), acceptedAt: start, parties: parties)
        #expect(deadlines.map(\.rule) == [.days(7)])
        #expect(deadlines.first?.responsible == [AgencyID(validated: "al.shssh.tirane")])
    }

    @Test func aReintegrationPlanArmsTwentyFourMonthlyReports() {
        let deadlines = planner.deadlines(for: metadata("reintegration.plan", subject: .adult), acceptedAt: start, parties: parties)
        #expect(deadlines.count == 24)
        #expect(deadlines.map(\.occurrence) == Array(1...24))
        #expect(deadlines.first?.id.hasSuffix("/0/1") == true)
        #expect(zip(deadlines, deadlines.dropFirst()).allSatisfy { $0.due < $1.due })
    }

    @Test func aDeadlineNamesItsObligationUnlessTheCatalogueKeepsItPerMessage() {
        let child = planner.deadlines(for: metadata("return.assessment-request", subject: .child), acceptedAt: start, parties: parties)
        #expect(child.map(\.obligation) == ["return.assessment-request#1 al.ashdmf.tirane"])
        let plan = planner.deadlines(for: metadata("reintegration.plan", subject: .adult), acceptedAt: start, parties: parties)
        #expect(plan.count == 24 && Set(plan.map(\.obligation)) == ["reintegration.plan#0 al.ashdmf.tirane,al.shssh.tirane"])
        #expect(DeadlinePlanner.obligation(triggerType: MessageType(validated: "reintegration.plan"), index: 0,
                                           responsible: [AgencyID(validated: "b.x"), AgencyID(validated: "a.y")], kinds: []) == "reintegration.plan#0 a.y,b.x")
        #expect(DeadlinePlanner.obligation(triggerType: MessageType(validated: "return.found-abroad"), index: 0, responsible: [],
                                           kinds: [.secretariat]) == "return.found-abroad#0 kinds:secretariat")
        let appeal = planner.deadlines(for: metadata("identification.appeal", subject: .adult), acceptedAt: start, parties: parties)
        #expect(appeal.count == 1 && appeal.first?.obligation == nil)
    }

    @Test func typesWithoutExpectationsArmNothing() {
        #expect(planner.deadlines(for: metadata("return.assessment-report", subject: .child), acceptedAt: start, parties: parties).isEmpty)
        #expect(planner.deadlines(for: metadata("not.in.catalogue", subject: .child), acceptedAt: start, parties: parties).isEmpty)
    }
}
