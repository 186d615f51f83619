import Foundation
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// Tells the secretariat, with a gateway-signed `gateway.alert` notice in its inbox, when an
/// agency has been unreachable for `alerts.unreachable_minutes` (once per run of failures) and
/// when a delivery becomes a dead letter (once per dead letter); counts `ura_alerts_total{kind}`.
///
/// When the unreachable agency is the secretariat itself, the notice still goes to its inbox
/// (it is read once the secretariat is reachable again), and the error log line and the metric
/// are the immediate signal — there is nobody else to tell.
public struct AlertWatcher: Sendable {
    let store: any Store
    let notices: NoticeSender
    let clock: any WallClock
    let events: GatewayEvents
    let unreachableAfter: Duration

    public static let noticeType = MessageType(validated: "gateway.alert")

    public init(store: any Store, notices: NoticeSender, clock: any WallClock, events: GatewayEvents, unreachableAfter: Duration) {
        self.store = store
        self.notices = notices
        self.clock = clock
        self.events = events
        self.unreachableAfter = unreachableAfter
    }

    /// Alerts about every agency failing for longer than the threshold and not yet alerted in
    /// this run of failures; returns how many alerts were sent.
    @discardableResult
    public func runOnce() async -> Int {
        let now = clock.now
        let threshold = Double(unreachableAfter.components.seconds)
        guard let all = try? store.agencyHealth() else { return 0 }
        var sent = 0
        for h in all {
            guard let since = h.failingSince, now.timeIntervalSince(since) >= threshold else { continue }
            if let alerted = h.alertedAt, alerted >= since { continue }
            let minutes = Int(now.timeIntervalSince(since) / 60)
            var body: JSONObject = [
                "kind": "agency-unreachable", "agency": .string(h.agency.rawValue), "failing_since": .string(RFC3339.string(from: since)),
                "consecutive_failures": .number(Double(h.consecutiveFailures)),
                "summary": .string("\(h.agency) has not been reachable for \(minutes) minutes (\(h.consecutiveFailures) failed attempts); messages to it wait and are retried."),
            ]
            if let error = h.lastError { body["last_error"] = .string(String(error.prefix(2000))) }
            do {
                let secretariat = notices.secretariat()
                if secretariat.contains(h.agency) {
                    events.log.error("alert.secretariat_unreachable", ["agency": .id(h.agency), "failing_since": .string(RFC3339.string(from: since))])
                }
                guard try await notices.send(type: Self.noticeType, to: secretariat, caseReference: NoticeSender.operationsCase, body: body) != nil else {
                    events.log.error("alert.undeliverable", ["agency": .id(h.agency), "hint": "no active secretariat with an encryption key"])
                    continue
                }
                try await store.markAlerted(h.agency, at: now)
                events.metrics.increment("ura_alerts_total", ["agency-unreachable"])
                events.log.warning("alert.agency_unreachable", ["agency": .id(h.agency), "failures": .int(h.consecutiveFailures)])
                sent += 1
            } catch {
                events.log.error("alert.failed", ["agency": .id(h.agency), "error": .string("\(error)")])
            }
        }
        return sent
    }

    /// Alerts about a delivery given up (called from the dead-letter hook).
    public func deadLetter(message: MessageID, recipient: AgencyID, reason: String) async {
        let type = (try? store.message(message))?.metadata.type
        // An alert that could not be delivered is not alerted about again (that would loop);
        // the log line, the metric and the dead-letter list on the monitor show it.
        guard type != Self.noticeType else {
            events.metrics.increment("ura_alerts_undeliverable_total")
            events.log.error("alert.undeliverable", ["message": .id(message), "to": .id(recipient), "reason": .string(reason)])
            return
        }
        var body: JSONObject = [
            "kind": "dead-letter", "message": .string(message.rawValue), "recipient": .string(recipient.rawValue),
            "reason": .string(String(reason.prefix(2000))),
            "summary": .string("The delivery of \(message) to \(recipient) was given up: \(reason.prefix(300)). It can be redriven from the dashboard or the monitor API."),
        ]
        if let type { body["message_type"] = .string(type.rawValue) }
        do {
            guard try await notices.send(type: Self.noticeType, to: notices.secretariat(), caseReference: NoticeSender.operationsCase, body: body) != nil
            else { return }
            events.metrics.increment("ura_alerts_total", ["dead-letter"])
        } catch {
            events.log.error("alert.failed", ["message": .id(message), "error": .string("\(error)")])
        }
    }
}
