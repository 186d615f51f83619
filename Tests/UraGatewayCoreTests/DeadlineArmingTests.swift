import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraGatewayCore
import UraJSON
import UraModel
import UraProtocol
import UraStore
import UraTestTraits

/// Deadlines are armed once per obligation: resending the trigger (three emergency measures for one
/// child, four reports that a victim was found abroad) owes one follow-up, not one per message, and
/// the secretariat hears once when it is late.
@Suite(.offThePool) struct DeadlineArmingTests {
    let caseReference = CaseReference(validated: "AL-2026-000042")

    func watcher(_ f: GatewayFixture) -> DeadlineWatcher {
        let events = GatewayEvents(metrics: f.metrics)
        return DeadlineWatcher(store: f.store, notices: NoticeSender(store: f.store, directory: f.book, signer: f.signer, clock: f.clock, events: events),
                               clock: f.clock, events: events)
    }

    @Test func threeEmergencyMeasuresOweOneProtectionPlanAndOneOverdueNotice() async throws {
        let f = try GatewayFixture(schemas: TestCatalogue.repositorySchemas)
        var sent: [MessageID] = []
        for _ in 0..<3 {
            sent.append(try await f.submit(try f.message(from: f.child, to: [f.social, f.police], type: "protection.emergency-measure", subject: .child),
                                           as: f.child).messageID)
            f.clock.advance(by: .seconds(600))
        }
        let deadlines = try f.store.deadlines(forCase: caseReference)
        #expect(deadlines.count == 1)
        #expect(deadlines.first?.trigger == sent[0] && deadlines.first?.repeatedBy == Array(sent[1...]))
        #expect(try f.store.pendingDeadlines(limit: 100).count == 1)

        f.clock.advance(by: .seconds(5 * 86_400))
        let w = watcher(f)
        #expect(await w.runOnce() == 1)
        #expect(await w.runOnce() == 0)
        #expect(f.metrics.value("ura_deadlines_overdue_total", ["protection.emergency-measure"]) == 1)

        // Sent once more after the alert: still the one overdue obligation, no second alert.
        _ = try await f.submit(try f.message(from: f.child, to: [f.social, f.police], type: "protection.emergency-measure", subject: .child), as: f.child)
        f.clock.advance(by: .seconds(5 * 86_400))
        #expect(await w.runOnce() == 0)
        #expect(try f.store.deadlines(forCase: caseReference).map(\.state) == [.overdue])
    }

    @Test func fourReportsOfAVictimFoundAbroadOweOneAssessmentRequest() async throws {
        let f = try GatewayFixture(schemas: TestCatalogue.repositorySchemas)
        for _ in 0..<4 {
            _ = try await f.submit(try f.message(from: f.mission, to: [f.secretariat, f.foreign], type: "return.found-abroad"), as: f.mission)
        }
        #expect(try f.store.deadlines(forCase: caseReference).filter { $0.state == .open }.count == 1)
        #expect(try f.store.deadlines(forCase: caseReference).first?.repeatedBy.count == 3)

        // The case timeline shows each repeat after the message that made it, linked to the one deadline.
        let timeline = try CaseTimeline(caseReference: caseReference, store: f.store)
        #expect(timeline.events.first?.kind == "message.accepted")
        #expect(timeline.events.filter { $0.kind == "deadline.armed" }.count == 1)
        #expect(timeline.events.filter { $0.kind == "deadline.repeated" }.count == 3)
    }

    @Test func aMetObligationIsArmedAgainByTheNextTrigger() async throws {
        let f = try GatewayFixture(schemas: TestCatalogue.repositorySchemas)
        _ = try await f.submit(try f.message(from: f.mission, to: [f.secretariat, f.foreign], type: "return.found-abroad"), as: f.mission)
        _ = try await f.submit(try f.message(from: f.secretariat, to: [f.social, f.child], type: "return.assessment-request"), as: f.secretariat)
        #expect(try f.store.deadlines(forCase: caseReference).first { $0.triggerType.rawValue == "return.found-abroad" }?.state == .met)
        f.clock.advance(by: .seconds(86_400))
        _ = try await f.submit(try f.message(from: f.mission, to: [f.secretariat, f.foreign], type: "return.found-abroad"), as: f.mission)
        #expect(try f.store.deadlines(forCase: caseReference).filter { $0.triggerType.rawValue == "return.found-abroad" }.map(\.state) == [.met, .open])
    }
}
