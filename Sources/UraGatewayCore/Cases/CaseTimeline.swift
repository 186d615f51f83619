import Foundation
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// Everything the gateway knows about one case, in time order, for the secretariat: each message
/// (metadata only), each delivery's receipt or failure, each deadline armed, met or overdue, and
/// each confidentiality declaration. Never a body, never a name. A message comes before the
/// deadlines it arms, meets or repeats (`deadline.repeated`: the same obligation triggered again).
public struct CaseTimeline: Sendable {
    public struct Event: Sendable {
        public let at: Date
        public let kind: String
        public let fields: JSONObject
    }

    public let caseReference: CaseReference
    public let events: [Event]

    /// With `integrity`, a message whose stored row or bytes no longer match its ledger entry is
    /// listed as `message.withheld` with the reason, not with the (possibly forged) row's values.
    public init(caseReference: CaseReference, store: any Store, integrity: MessageIntegrity? = nil) throws(StoreError) {
        self.caseReference = caseReference
        var events: [Event] = []
        var acceptedAt: [MessageID: Date] = [:]
        for m in try store.messages(matching: MessageFilter(caseReference: caseReference, limit: 10_000)) {
            let md = m.metadata
            if let integrity, let stored = try store.message(md.id), let reason = integrity.check(stored) {
                events.append(Event(at: m.acceptedAt, kind: "message.withheld", fields: ["id": .string(md.id.rawValue), "reason": .string(reason)]))
                continue
            }
            acceptedAt[md.id] = m.acceptedAt
            var fields: JSONObject = ["id": .string(md.id.rawValue), "type": .string(md.type.rawValue), "from": .string(md.from.rawValue),
                                      "to": .array(md.to.map { .string($0.rawValue) }), "subject": .string(md.subject.rawValue),
                                      "priority": .string(md.priority.rawValue)]
            if let reply = md.inReplyTo { fields["in_reply_to"] = .string(reply.rawValue) }
            if let participants = md.participants { fields["participants"] = .array(participants.map { .string($0.rawValue) }) }
            events.append(Event(at: m.acceptedAt, kind: "message.accepted", fields: fields))
            for d in m.deliveries {
                if let settled = d.settledAt {
                    var f: JSONObject = ["message": .string(md.id.rawValue), "recipient": .string(d.recipient.rawValue),
                                         "attempts": .number(Double(d.attempts))]
                    if d.state == .deadLetter, let error = d.lastError { f["reason"] = .string(error) }
                    events.append(Event(at: settled, kind: d.state == .delivered ? "delivery.delivered" : "delivery.failed", fields: f))
                }
            }
        }
        for d in try store.deadlines(forCase: caseReference) {
            let base: JSONObject = ["deadline": .string(d.id), "trigger": .string(d.trigger.rawValue), "trigger_type": .string(d.triggerType.rawValue),
                                    "expected": .array(d.expected.map { .string($0.rawValue) }), "rule": .string(d.rule.description),
                                    "due": .string(RFC3339.string(from: d.due)), "optional": .bool(d.optional)]
            var armed = base
            armed["state"] = .string(d.state.rawValue)
            if !d.repeatedBy.isEmpty { armed["repeated_by"] = .array(d.repeatedBy.map { .string($0.rawValue) }) }
            events.append(Event(at: d.armedAt, kind: "deadline.armed", fields: armed))
            for again in d.repeatedBy {
                var f = base
                f["repeat"] = .string(again.rawValue)
                events.append(Event(at: acceptedAt[again] ?? d.armedAt, kind: "deadline.repeated", fields: f))
            }
            if d.state == .met, let at = d.metAt {
                var f = base
                f["met_by"] = d.metBy.map { .string($0.rawValue) } ?? .null
                f["late"] = .bool(at > d.due)
                events.append(Event(at: at, kind: "deadline.met", fields: f))
            } else if d.state == .cancelled, let at = d.metAt {
                var f = base
                f["cancelled_by"] = d.metBy.map { .string($0.rawValue) } ?? .null
                events.append(Event(at: at, kind: "deadline.cancelled", fields: f))
            } else if d.state == .overdue {
                events.append(Event(at: d.due, kind: "deadline.overdue", fields: base))
            }
        }
        for d in try store.declarations(forCase: caseReference) {
            events.append(Event(at: d.recordedAt, kind: "declaration.recorded", fields: [
                "id": .string(d.id), "role": .string(d.role.rawValue), "agency": .string(d.agency.rawValue), "declared_on": .string(d.declaredOn),
            ]))
        }
        // At the same instant a message comes before what it arms, meets or repeats.
        func rank(_ e: Event) -> Int { e.kind == "message.accepted" ? 0 : 1 }
        self.events = events.sorted { ($0.at, rank($0), $0.kind) < ($1.at, rank($1), $1.kind) }
    }

    public var json: JSONValue {
        ["case": .string(caseReference.rawValue), "events": .array(events.map { e in
            var object: JSONObject = ["at": .string(RFC3339.string(from: e.at)), "event": .string(e.kind)]
            for (k, v) in e.fields { object[k] = v }
            return .object(object)
        })]
    }
}
