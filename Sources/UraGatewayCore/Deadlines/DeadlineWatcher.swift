import Foundation
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// Finds the SOP deadlines that have passed without their follow-up and tells the secretariat and
/// the agencies responsible, once per deadline: a gateway notice (`gateway.deadline-overdue`)
/// whose commit also marks the deadline overdue, so a deadline can never be reported twice.
public struct DeadlineWatcher: Sendable {
    let store: any Store
    let notices: NoticeSender
    let clock: any WallClock
    let events: GatewayEvents

    public static let noticeType = MessageType(validated: "gateway.deadline-overdue")

    public init(store: any Store, notices: NoticeSender, clock: any WallClock, events: GatewayEvents) {
        self.store = store
        self.notices = notices
        self.clock = clock
        self.events = events
        events.metrics.declare("ura_deadlines_overdue_total", .counter, help: "SOP deadlines reported overdue, by the type that armed them.",
                               labels: ["trigger_type"])
    }

    /// Reports every deadline that is due and still open; returns how many were reported.
    @discardableResult
    public func runOnce() async -> Int {
        let now = clock.now
        let due: [Deadline]
        do { due = try store.dueDeadlines(now: now, limit: 500) } catch {
            events.log.error("deadlines.read_failed", ["error": .string("\(error)")])
            return 0
        }
        var reported = 0
        for deadline in due {
            let body: JSONObject = [
                "kind": "deadline-overdue",
                "deadline": .string(deadline.id),
                "trigger": .string(deadline.trigger.rawValue),
                "trigger_type": .string(deadline.triggerType.rawValue),
                "expected": .array(deadline.expected.map { .string($0.rawValue) }),
                "rule": .string(deadline.rule.description),
                "due": .string(RFC3339.string(from: deadline.due)),
                "responsible": .array(deadline.responsible.map { .string($0.rawValue) }),
                "summary": .string("\(deadline.expected.map(\.rawValue).joined(separator: " or ")) for case \(deadline.caseReference) was due \(RFC3339.string(from: deadline.due)) (\(deadline.rule) after \(deadline.triggerType)) and has not arrived"),
            ]
            do {
                let id = try await notices.send(type: Self.noticeType, to: notices.secretariat() + deadline.responsible,
                                                caseReference: deadline.caseReference, body: body, reportOverdue: [deadline.id])
                guard id != nil else { continue }
                reported += 1
                events.metrics.increment("ura_deadlines_overdue_total", [deadline.triggerType.rawValue])
                events.log.warning("deadline.overdue", ["deadline": .string(deadline.id), "case": .id(deadline.caseReference),
                                                        "expected": .ids(deadline.expected)])
            } catch {
                // Already reported by another node, or the store failed: nothing was sent.
                events.log.info("deadline.not_reported", ["deadline": .string(deadline.id), "reason": .string("\(error)")])
            }
        }
        return reported
    }
}
