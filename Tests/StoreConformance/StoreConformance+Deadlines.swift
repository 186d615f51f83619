import Foundation
import Testing
import UraModel
import UraStore

private let caseA = CaseReference(validated: "AL-2026-000042")
private let request = MessageType(validated: "return.assessment-request")
private let report = MessageType(validated: "return.assessment-report")

/// A deadline of `caseA` for a report from the child-protection unit, armed by `trigger` and due
/// `due` seconds after the fixture's start.
private func deadline(_ f: StoreFixture, trigger: MessageID, id suffix: String = "0", due: TimeInterval, kinds: [AgencyKind] = [.child],
                      occurrence: Int? = nil, optional: Bool = false, obligation: String? = nil) -> Deadline {
    Deadline(id: "\(trigger)/\(suffix)", caseReference: caseA, trigger: trigger, triggerType: request, expected: [report],
             responsible: [StoreFixture.child], responsibleKinds: kinds, optional: optional, rule: .days(15), armedAt: f.start,
             due: f.start.addingTimeInterval(due), occurrence: occurrence, obligation: obligation)
}

/// The obligation of the deadlines above: the report the child-protection unit owes after a request.
private let reportOwed = "return.assessment-request#1 \(StoreFixture.child)"

/// A message of `type` from an agency of `kind`, `offset` seconds after the start, arming what `arm` returns.
private func message(_ f: StoreFixture, type: MessageType, from kind: AgencyKind = .child, inReplyTo: MessageID? = nil,
                     at offset: TimeInterval = 0, arm: (MessageID) -> [Deadline] = { _ in [] }, reportOverdue: [String] = []) -> AcceptedMessage {
    var m = f.accepted(at: f.start.addingTimeInterval(offset))
    m.metadata.type = type
    m.metadata.inReplyTo = inReplyTo
    m.senderKind = kind
    m.deadlines = DeadlineEffects(arm: arm(m.metadata.id), reportOverdue: reportOverdue)
    return m
}

extension StoreConformance {
    /// SOP deadlines: armed by a commit, met by the expected follow-up, reported overdue once.
    public static let deadlines: [StoreCheck] = [
        StoreCheck("aRepeatedTriggerIsLinkedToThePendingDeadlineOfItsObligation") { f in
            var triggers: [AcceptedMessage] = []
            for i in 0..<3 {
                let trigger = message(f, type: request, at: Double(i)) { [deadline(f, trigger: $0, due: 1000 + Double(i), obligation: reportOwed)] }
                _ = try await f.store.commit(trigger)
                triggers.append(trigger)
            }
            let pending = try f.store.deadlines(forCase: caseA)
            #expect(pending.count == 1)
            #expect(pending.first?.trigger == triggers[0].metadata.id && pending.first?.obligation == reportOwed)
            #expect(pending.first?.repeatedBy == triggers[1...].map(\.metadata.id))
            #expect(try f.store.pendingDeadlines(limit: 10).count == 1)

            // A reply to a repeat meets the one deadline; the next trigger owes a new report.
            let reply = message(f, type: report, inReplyTo: triggers[2].metadata.id, at: 10)
            _ = try await f.store.commit(reply)
            #expect(try f.store.deadlines(forCase: caseA).map(\.state) == [.met])
            #expect(try f.store.deadlines(forCase: caseA).first?.metBy == reply.metadata.id)
            _ = try await f.store.commit(message(f, type: request, at: 20) { [deadline(f, trigger: $0, due: 3000, obligation: reportOwed)] })
            #expect(try f.store.deadlines(forCase: caseA).map(\.state) == [.met, .open])
        },

        StoreCheck("aRulePerMessageArmsForEveryTrigger") { f in
            for i in 0..<3 {
                _ = try await f.store.commit(message(f, type: request, at: Double(i)) { [deadline(f, trigger: $0, due: 1000)] })
            }
            #expect(try f.store.deadlines(forCase: caseA).map(\.state) == [.open, .open, .open])
        },

        StoreCheck("anOverdueObligationTriggeredAgainIsNotArmedOrReportedAgain") { f in
            _ = try await f.store.commit(message(f, type: request) { [deadline(f, trigger: $0, due: 100, obligation: reportOwed)] })
            let due = try f.store.dueDeadlines(now: f.start.addingTimeInterval(100), limit: 10)
            #expect(due.count == 1)
            _ = try await f.store.commit(message(f, type: MessageType(validated: "gateway.deadline-overdue"), from: .gateway, at: 101,
                                                 reportOverdue: due.map(\.id)))
            let again = message(f, type: request, at: 200) { [deadline(f, trigger: $0, due: 300, obligation: reportOwed)] }
            _ = try await f.store.commit(again)
            #expect(try f.store.dueDeadlines(now: f.start.addingTimeInterval(10_000), limit: 10).isEmpty)
            let all = try f.store.deadlines(forCase: caseA)
            #expect(all.map(\.state) == [.overdue] && all.first?.repeatedBy == [again.metadata.id])
        },

        StoreCheck("aRepeatedPlanDoesNotStartASecondMonthlySeries") { f in
            func plan(at offset: TimeInterval) -> AcceptedMessage {
                message(f, type: request, at: offset) { trigger in
                    (1...3).map { deadline(f, trigger: trigger, id: "1/\($0)", due: Double($0) * 1000, occurrence: $0, obligation: reportOwed) }
                }
            }
            _ = try await f.store.commit(plan(at: 0))
            _ = try await f.store.commit(plan(at: 5))
            #expect(try f.store.deadlines(forCase: caseA).map(\.state) == [.open, .open, .open])
        },

        StoreCheck("aFollowUpOfTheExpectedTypeAndKindMeetsTheDeadline") { f in
            let trigger = message(f, type: request) { [deadline(f, trigger: $0, due: 1000)] }
            _ = try await f.store.commit(trigger)
            #expect(try f.store.deadlines(forCase: caseA).map(\.state) == [.open])

            _ = try await f.store.commit(message(f, type: report, from: .police, at: 10))  // wrong kind
            #expect(try f.store.deadlines(forCase: caseA).map(\.state) == [.open])

            let followUp = message(f, type: report, from: .child, at: 20)
            _ = try await f.store.commit(followUp)
            let met = try #require(try f.store.deadlines(forCase: caseA).first)
            #expect(met.state == .met && met.metBy == followUp.metadata.id && !met.metLate)
            let kinds = try f.store.ledgerEntries(from: 0, count: 100).map { String(decoding: $0.leaf, as: UTF8.self) }
            #expect(kinds.contains { $0.contains("deadline.armed") } && kinds.contains { $0.contains("deadline.met") })
        },

        StoreCheck("inReplyToOnlyMeetsItsOwnTriggersDeadlines") { f in
            let first = message(f, type: request) { [deadline(f, trigger: $0, due: 1000)] }
            let second = message(f, type: request, at: 1) { [deadline(f, trigger: $0, due: 2000)] }
            _ = try await f.store.commit(first)
            _ = try await f.store.commit(second)
            _ = try await f.store.commit(message(f, type: report, inReplyTo: second.metadata.id, at: 5))
            let states = try f.store.deadlines(forCase: caseA).map { ($0.trigger, $0.state) }
            #expect(states.first { $0.0 == first.metadata.id }?.1 == .open)
            #expect(states.first { $0.0 == second.metadata.id }?.1 == .met)
        },

        StoreCheck("aMonthlySeriesIsMetOneOccurrenceAtATime") { f in
            let plan = message(f, type: request) { trigger in
                (1...3).map { deadline(f, trigger: trigger, id: "1/\($0)", due: Double($0) * 1000, occurrence: $0) }
            }
            _ = try await f.store.commit(plan)
            _ = try await f.store.commit(message(f, type: report, at: 500))
            #expect(try f.store.deadlines(forCase: caseA).map(\.state) == [.met, .open, .open])
            _ = try await f.store.commit(message(f, type: report, at: 1500))
            #expect(try f.store.deadlines(forCase: caseA).map(\.state) == [.met, .met, .open])
        },

        StoreCheck("lateFollowUpsAreRecordedAsLate") { f in
            _ = try await f.store.commit(message(f, type: request) { [deadline(f, trigger: $0, due: 100)] })
            _ = try await f.store.commit(message(f, type: report, at: 200))
            #expect(try f.store.deadlines(forCase: caseA).first?.metLate == true)
        },

        StoreCheck("overdueIsReportedOnceAndWindowsNever") { f in
            _ = try await f.store.commit(message(f, type: request) { [
                deadline(f, trigger: $0, id: "0", due: 100),
                deadline(f, trigger: $0, id: "1", due: 100, optional: true),
            ] })
            #expect(try f.store.dueDeadlines(now: f.start.addingTimeInterval(99), limit: 10).isEmpty)
            let due = try f.store.dueDeadlines(now: f.start.addingTimeInterval(100), limit: 10)
            #expect(due.map(\.optional) == [false])

            let notice = message(f, type: MessageType(validated: "gateway.deadline-overdue"), from: .gateway, at: 101, reportOverdue: [due[0].id])
            let size = try f.store.ledgerSize()
            #expect(try await f.store.commit(notice) == .committed(ledgerIndex: size))
            #expect(try f.store.dueDeadlines(now: f.start.addingTimeInterval(200), limit: 10).isEmpty)
            #expect(try f.store.pendingDeadlines(limit: 10).first?.state == .overdue)

            let again = message(f, type: MessageType(validated: "gateway.deadline-overdue"), from: .gateway, at: 102, reportOverdue: [due[0].id])
            await #expect { try await f.store.commit(again) } throws: { "\($0)".contains("already sent") }
            #expect(try f.store.message(again.metadata.id) == nil)
        },
    ]
}
