import Foundation
import UraModel

/// Where the gateway reports what happens: metrics, logs and wake-ups of the delivery workers and
/// inbox long polls. One place, so that each event is counted and logged the same way everywhere.
public final class GatewayEvents: Sendable {
    public let metrics: MetricsRegistry
    public let log: Logger
    let wakeDelivery: @Sendable () -> Void
    let wakeInbox: @Sendable ([AgencyID]) -> Void

    public init(metrics: MetricsRegistry = MetricsRegistry(), log: Logger = .silent,
                wakeDelivery: @escaping @Sendable () -> Void = {}, wakeInbox: @escaping @Sendable ([AgencyID]) -> Void = { _ in }) {
        self.metrics = metrics
        self.log = log
        self.wakeDelivery = wakeDelivery
        self.wakeInbox = wakeInbox
        metrics.declare("ura_messages_accepted_total", .counter, help: "Messages accepted, by type.", labels: ["type"])
        metrics.declare("ura_messages_rejected_total", .counter, help: "Messages rejected at intake, by problem type.", labels: ["reason"])
        metrics.declare("ura_messages_duplicate_total", .counter, help: "Resubmissions answered with the original receipt.")
    }

    /// A new message is durably stored: count it and wake whoever hands it on.
    func committed(_ m: MessageMetadata) {
        metrics.increment("ura_messages_accepted_total", [m.type.rawValue])
        log.info("message.accepted", ["id": .id(m.id), "type": .id(m.type), "from": .id(m.from), "to": .ids(m.to)])
        wakeDelivery()
        wakeInbox(m.to)
    }

    func duplicate(_ id: MessageID) {
        metrics.increment("ura_messages_duplicate_total")
        log.info("message.duplicate", ["id": .id(id)])
    }

    func rejected(_ problem: Problem) {
        metrics.increment("ura_messages_rejected_total", [problem.type.rawValue])
        log.info("message.rejected", ["reason": .string(problem.type.rawValue)])
    }
}
