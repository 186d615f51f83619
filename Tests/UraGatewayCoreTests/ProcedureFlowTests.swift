import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
import UraCrypto
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
import UraStore
import UraStoreSQLite
import UraTestTraits

/// Two whole flows of the SOP through the gateway with the real catalogue (`Schemas/`) and a test
/// clock, each once with every deadline met and once with the deadlines missed: the notices the
/// secretariat (and the responsible agency) receive are checked one by one.
@Suite(.offThePool) struct ProcedureFlowTests {
    /// A gateway core with the real catalogue, and the deadline watcher the daemon runs.
    final class Flow {
        let f: GatewayFixture
        let watcher: DeadlineWatcher
        let caseReference = "AL-2026-000777"

        init() throws {
            f = try GatewayFixture(schemas: TestCatalogue.repositorySchemas)
            let events = GatewayEvents(metrics: f.metrics)
            watcher = DeadlineWatcher(store: f.store, notices: NoticeSender(store: f.store, directory: f.book, signer: f.signer, clock: f.clock,
                                                                            events: events), clock: f.clock, events: events)
        }

        /// Sends `type` from `from` to `to` in the flow's case (a child's case) and returns its id.
        @discardableResult
        func send(_ type: String, from: TestAgency, to: [TestAgency], inReplyTo: MessageID? = nil,
                  subject: SubjectCategory = .child) async throws -> MessageID {
            try await f.submit(try f.message(from: from, to: to, type: type, subject: subject, caseReference: caseReference, inReplyTo: inReplyTo),
                               as: from).messageID
        }

        func advance(days: Double = 0, hours: Double = 0, seconds: Double = 0) {
            f.clock.advance(by: .seconds(days * 86_400 + hours * 3600 + seconds))
        }

        private var seen: [(to: Set<AgencyID>, body: JSONValue)] = []

        /// The overdue notices that reached the secretariat's inbox so far: who they went to and
        /// what they say.
        func notices() async throws -> [(to: Set<AgencyID>, body: JSONValue)] {
            let inbox = try await f.store.claimInbox(recipient: f.secretariat.id, now: f.clock.now, limit: 100, maxBytes: .max, leaseUntil: f.clock.now)
            seen += try inbox.filter { $0.type == DeadlineWatcher.noticeType }.map { notice in
                let jws = try JWS.parse(notice.signedBytes)
                try jws.verify(using: f.signer.key.publicKey)
                let envelope = try JSONDecoder().decode(Envelope.self, from: Data(jws.payload))
                let body = try JSONValue(parsing: try JWE.parse(json: envelope.body).decrypt(with: f.secretariat.encryption).plaintext)
                return (Set(envelope.to), body)
            }
            return seen
        }

        /// Checks when the open deadline armed by `triggerType` is due, and moves the clock just past it.
        func passDue(of triggerType: String, expecting: String? = nil, expected: String) throws {
            let deadline = try #require(try deadlines().filter {
                $0.triggerType.rawValue == triggerType && $0.state == .open && (expecting == nil || $0.expected.map(\.rawValue) == [expecting])
            }.min { $0.due < $1.due })
            #expect(RFC3339.string(from: deadline.due) == expected)
            f.clock.set(deadline.due.addingTimeInterval(1))
        }

        func deadlines() throws -> [Deadline] { try f.store.deadlines(forCase: CaseReference(caseReference)) }

        func overdueMetric(_ triggerType: String) -> Double? { f.metrics.value("ura_deadlines_overdue_total", [triggerType]) }
    }

    // MARK: An Albanian child found abroad

    @Test func aChildFoundAbroadWithEveryDeadlineMet() async throws {
        let flow = try Flow()
        let f = flow.f
        let found = try await flow.send("return.found-abroad", from: f.mission, to: [f.secretariat, f.foreign])
        flow.advance(hours: 2)  // the same working day
        let request = try await flow.send("return.assessment-request", from: f.secretariat, to: [f.social, f.child], inReplyTo: found)
        flow.advance(days: 12)  // within the 15 days a child's family assessment may take
        let report = try await flow.send("return.assessment-report", from: f.child, to: [f.secretariat, f.foreign], inReplyTo: request)
        flow.advance(days: 3)
        let decision = try await flow.send("return.destination-decision", from: f.foreign, to: [f.secretariat], inReplyTo: report)
        flow.advance(days: 1, hours: 20)  // the AP meets within 2 days
        try await flow.send("return.reception-tasks", from: f.secretariat, to: [f.police, f.border, f.child, f.shelter, f.foreign, f.mission],
                            inReplyTo: decision)

        flow.advance(days: 60)
        #expect(await flow.watcher.runOnce() == 0)
        #expect(try await flow.notices().isEmpty)
        let deadlines = try flow.deadlines()
        #expect(deadlines.map(\.triggerType.rawValue).sorted() == ["return.assessment-request", "return.destination-decision", "return.found-abroad"])
        #expect(deadlines.allSatisfy { $0.state == .met && !$0.metLate })
        // The child's case armed the 15-day rule, not the adult's 7 days.
        #expect(deadlines.first { $0.triggerType.rawValue == "return.assessment-request" }?.rule.description == "15d")
    }

    @Test func aChildFoundAbroadWithEveryDeadlineMissed() async throws {
        let flow = try Flow()
        let f = flow.f
        let found = try await flow.send("return.found-abroad", from: f.mission, to: [f.secretariat, f.foreign])
        // 16:00 in Tirane passes without the assessment request.
        f.clock.set(RFC3339.date(from: "2026-11-24T15:00:01Z")!)
        #expect(await flow.watcher.runOnce() == 1)
        #expect(await flow.watcher.runOnce() == 0)  // once
        var notices = try await flow.notices()
        #expect(notices.count == 1)
        #expect(notices[0].to == [f.secretariat.id])
        #expect(notices[0].body["kind"] == "deadline-overdue" && notices[0].body["expected"] == ["return.assessment-request"])
        #expect(notices[0].body["trigger"]?.stringValue == found.rawValue)

        let request = try await flow.send("return.assessment-request", from: f.secretariat, to: [f.social, f.child], inReplyTo: found)
        // Sent at 16:00 on 24 November in Tirane: 15 days end with 9 December (midnight in Tirane).
        try flow.passDue(of: "return.assessment-request", expected: "2026-12-09T23:00:00Z")
        #expect(await flow.watcher.runOnce() == 1)
        notices = try await flow.notices()
        let reportOverdue = try #require(notices.first { $0.body["expected"] == ["return.assessment-report"] })
        #expect(reportOverdue.to == [f.secretariat.id, f.child.id])  // the child-protection unit is responsible

        let report = try await flow.send("return.assessment-report", from: f.child, to: [f.secretariat, f.foreign], inReplyTo: request)
        let decision = try await flow.send("return.destination-decision", from: f.foreign, to: [f.secretariat], inReplyTo: report)
        try flow.passDue(of: "return.destination-decision", expected: "2026-12-12T23:00:00Z")
        #expect(await flow.watcher.runOnce() == 1)
        try await flow.send("return.reception-tasks", from: f.secretariat, to: [f.police, f.child, f.shelter], inReplyTo: decision)
        flow.advance(days: 30)
        #expect(await flow.watcher.runOnce() == 0)

        notices = try await flow.notices()
        #expect(notices.map { $0.body["expected"]?.arrayValue?.first?.stringValue ?? "" }.sorted()
            == ["return.assessment-report", "return.assessment-request", "return.reception-tasks"])
        for type in ["return.found-abroad", "return.assessment-request", "return.destination-decision"] {
            #expect(flow.overdueMetric(type) == 1)
        }
        // Each late follow-up still closes its deadline, marked late, and the timeline shows it.
        #expect(try flow.deadlines().allSatisfy { $0.state == .met && $0.metLate })
        let timeline = try CaseTimeline(caseReference: CaseReference(flow.caseReference), store: f.store)
        #expect(timeline.events.filter { $0.kind == "deadline.met" }.allSatisfy { $0.fields["late"] == true })
        #expect(timeline.events.filter { $0.kind == "deadline.met" }.count == 3)
    }

    // MARK: A foreign child's assisted voluntary return

    @Test func aForeignChildsVoluntaryReturnWithEveryDeadlineMet() async throws {
        let flow = try Flow()
        let f = flow.f
        let arrival = try await flow.send("avr.information", from: f.shelter, to: [f.secretariat, f.foreign, f.child])
        flow.advance(days: 5)  // E2 within 7 days of the child's arrival
        let request = try await flow.send("avr.assessment-request", from: f.shelter, to: [f.secretariat, f.foreign], inReplyTo: arrival)
        flow.advance(hours: 3)  // the MEPJ forwards it to the counterpart in the country of origin
        let forwarded = try await flow.send("avr.assessment-request", from: f.foreign, to: [f.secretariat, f.counterpart], inReplyTo: request)
        flow.advance(days: 20)
        let answer = try await flow.send("avr.assessment-report", from: f.counterpart, to: [f.shelter, f.secretariat, f.foreign], inReplyTo: forwarded)
        flow.advance(days: 6)  // the AP decides within a week of the answer
        // For a child the decision must reach child protection; without it, intake refuses.
        let withoutChild = try f.message(from: f.secretariat, to: [f.border, f.health, f.shelter], type: "avr.decision", subject: .child,
                                         caseReference: flow.caseReference, inReplyTo: answer)
        #expect(await f.rejection(withoutChild, as: f.secretariat)?.type == .routingRuleViolated)
        try await flow.send("avr.decision", from: f.secretariat, to: [f.border, f.health, f.shelter, f.child], inReplyTo: answer)

        flow.advance(days: 60)
        #expect(await flow.watcher.runOnce() == 0)
        #expect(try await flow.notices().isEmpty)
        let deadlines = try flow.deadlines()
        #expect(deadlines.map(\.triggerType.rawValue).sorted() == ["avr.assessment-report", "avr.information"])
        #expect(deadlines.allSatisfy { $0.state == .met && !$0.metLate })
    }

    @Test func aForeignChildsVoluntaryReturnWithEveryDeadlineMissed() async throws {
        let flow = try Flow()
        let f = flow.f
        let arrival = try await flow.send("avr.information", from: f.shelter, to: [f.secretariat, f.foreign, f.child])
        try flow.passDue(of: "avr.information", expected: "2026-12-01T23:00:00Z")  // 7 days after 24 November
        #expect(await flow.watcher.runOnce() == 1)
        var notices = try await flow.notices()
        #expect(notices.count == 1)
        #expect(notices[0].to == [f.secretariat.id, f.shelter.id])  // the shelter's case worker is responsible
        #expect(notices[0].body["expected"] == ["avr.assessment-request"])

        let request = try await flow.send("avr.assessment-request", from: f.shelter, to: [f.secretariat, f.foreign], inReplyTo: arrival)
        let forwarded = try await flow.send("avr.assessment-request", from: f.foreign, to: [f.secretariat, f.counterpart], inReplyTo: request)
        flow.advance(days: 30)  // 2 January 2027, 00:00:01 in Tirane
        let answer = try await flow.send("avr.assessment-report", from: f.counterpart, to: [f.shelter, f.secretariat, f.foreign], inReplyTo: forwarded)
        try flow.passDue(of: "avr.assessment-report", expected: "2027-01-08T23:00:00Z")
        #expect(await flow.watcher.runOnce() == 1)
        #expect(await flow.watcher.runOnce() == 0)
        notices = try await flow.notices()
        let decisionOverdue = try #require(notices.first { $0.body["expected"] == ["avr.decision"] })
        #expect(decisionOverdue.to == [f.secretariat.id])
        try await flow.send("avr.decision", from: f.secretariat, to: [f.border, f.health, f.shelter, f.child], inReplyTo: answer)

        #expect(try await flow.notices().count == 2)
        #expect(flow.overdueMetric("avr.information") == 1 && flow.overdueMetric("avr.assessment-report") == 1)
        #expect(try flow.deadlines().allSatisfy { $0.state == .met && $0.metLate })
    }

    // MARK: Reintegration: a monitoring report every month while the case is open

    @Test func aReintegrationPlanExpectsMonthlyReportsUntilTheCaseIsClosed() async throws {
        let flow = try Flow()
        let f = flow.f
        let plan = try await flow.send("reintegration.plan", from: f.social, to: [f.secretariat], subject: .adult)
        let monthly = try flow.deadlines().filter { $0.expected.map(\.rawValue) == ["reintegration.monitoring-report"] }
        #expect(monthly.count == 24 && monthly.map(\.occurrence) == (1...24).map { $0 })
        #expect(RFC3339.string(from: monthly[0].due) == "2026-12-24T23:00:00Z")  // the end of 24 December in Tirane
        flow.advance(days: 3)  // the AP decides on the plan within 7 days
        try await flow.send("ap.decision", from: f.secretariat, to: [f.social], inReplyTo: plan, subject: .adult)

        // Two months reported in time; each report meets the earliest open month.
        flow.advance(days: 17)
        try await flow.send("reintegration.monitoring-report", from: f.social, to: [f.secretariat], inReplyTo: plan, subject: .adult)
        flow.advance(days: 30)
        try await flow.send("reintegration.monitoring-report", from: f.social, to: [f.secretariat], inReplyTo: plan, subject: .adult)
        // The third month passes without a report: one notice, to the secretariat and the social worker's office.
        try flow.passDue(of: "reintegration.plan", expecting: "reintegration.monitoring-report", expected: "2027-02-24T23:00:00Z")
        #expect(await flow.watcher.runOnce() == 1)
        let notice = try #require(try await flow.notices().first)
        #expect(notice.to == [f.secretariat.id, f.social.id] && notice.body["expected"] == ["reintegration.monitoring-report"])

        // The case manager proposes that the person is sustainably reintegrated: the series ends.
        let proposal = try await flow.send("reintegration.proposal", from: f.social, to: [f.secretariat], subject: .adult)
        let states = try flow.deadlines().filter { $0.trigger == plan && $0.rule.description == "monthly" }.map(\.state)
        // The months reported stay met, the missed one stays overdue (it was), the rest are cancelled.
        #expect(states.filter { $0 == .met }.count == 2 && states.filter { $0 == .overdue }.count == 1 && states.filter { $0 == .cancelled }.count == 21)
        flow.advance(days: 800)
        #expect(await flow.watcher.runOnce() == 0)
        #expect(try await flow.notices().count == 1)
        let timeline = try CaseTimeline(caseReference: CaseReference(flow.caseReference), store: f.store)
        let cancelled = timeline.events.filter { $0.kind == "deadline.cancelled" }
        #expect(cancelled.count == 21 && cancelled.allSatisfy { $0.fields["cancelled_by"]?.stringValue == proposal.rawValue })
        #expect(try Ledger(store: f.store, signer: f.signer).verify().isIntact)
    }

    // MARK: in_reply_to in the flows

    @Test func aReportMustAnswerTheRequestOfItsOwnCase() async throws {
        let flow = try Flow()
        let f = flow.f
        let found = try await flow.send("return.found-abroad", from: f.mission, to: [f.secretariat, f.foreign])
        // A report needs in_reply_to; pointing at the found-abroad notice the MEPJ received (not a request) is refused.
        let wrongType = try f.message(from: f.foreign, to: [f.secretariat], type: "return.assessment-report", subject: .child,
                                      caseReference: flow.caseReference, inReplyTo: found)
        let problem = await f.rejection(wrongType, as: f.foreign)
        #expect(problem?.type == .replyMismatch)
        #expect(problem?.detail.contains("return.assessment-request") == true, "\(problem?.detail ?? "")")
        let missing = try f.message(from: f.child, to: [f.secretariat], type: "return.assessment-report", subject: .child,
                                    caseReference: flow.caseReference)
        #expect(await f.rejection(missing, as: f.child)?.type == .replyMismatch)
        // A message the sender never saw cannot be answered.
        let unseen = try f.message(from: f.child, to: [f.secretariat], type: "return.assessment-report", subject: .child,
                                   caseReference: flow.caseReference, inReplyTo: found)
        #expect(await f.rejection(unseen, as: f.child)?.detail.contains("not a message al.ashdmf.tirane sent or received") == true)
    }
}
