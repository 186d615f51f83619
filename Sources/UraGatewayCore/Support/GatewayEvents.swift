import Foundation
import Synchronization
import UraModel
import UraProtocol
import UraStore

/// Where the gateway reports what happens: metrics, logs and wake-ups of the delivery workers and
/// inbox long polls. One place, so that each event is counted and logged the same way everywhere.
public final class GatewayEvents: Sendable {
    public let metrics: MetricsRegistry
    public let log: Logger

    /// Who to tell, set once the parts exist (the delivery scheduler is built after this).
    public struct Hooks: Sendable {
        public var wakeDelivery: @Sendable () -> Void = {}
        public var wakeInbox: @Sendable ([AgencyID]) -> Void = { _ in }
        /// Awaited by the scheduler, so the alert is committed before it moves on.
        public var deadLetter: @Sendable (MessageID, AgencyID, String) async -> Void = { _, _, _ in }
        /// A recipient's delivered receipt was recorded (federation forwards it to the peer
        /// gateway a relayed message came from). Must not block: it is called on the way.
        public var delivered: @Sendable (MessageID, AgencyID, [UInt8]) -> Void = { _, _, _ in }
        public init() {}
    }

    private let hooks = Mutex(Hooks())

    public func setHooks(_ change: (inout Hooks) -> Void) { hooks.withLock { change(&$0) } }

    public init(metrics: MetricsRegistry = MetricsRegistry(), log: Logger = .silent) {
        self.metrics = metrics
        self.log = log
        metrics.declare("ura_messages_accepted_total", .counter, help: "Messages accepted, by type.", labels: ["type"])
        metrics.declare("ura_messages_rejected_total", .counter, help: "Messages rejected at intake, by problem type.", labels: ["reason"])
        metrics.declare("ura_messages_duplicate_total", .counter, help: "Resubmissions answered with the original receipt.")
        metrics.declare("ura_deliveries_total", .counter, help: "Delivery outcomes (delivered, retry, dead_letter).", labels: ["outcome"])
        metrics.declare("ura_delivery_seconds", .histogram, help: "From acceptance to the recipient's receipt.", buckets: MetricsRegistry.latencyBuckets)
        metrics.declare("ura_inbox_polls_total", .counter, help: "Inbox fetches by pull-mode agencies.")
    }

    /// A new message is durably stored: count it and wake whoever hands it on — the delivery
    /// scheduler only when a recipient takes pushes (a wake-up costs it a look at the store), the
    /// inbox long polls of the recipients otherwise.
    func committed(_ m: MessageMetadata, channels: [AgencyID: DeliveryChannel]) {
        metrics.increment("ura_messages_accepted_total", [m.type.rawValue])
        log.info("message.accepted", ["id": .id(m.id), "type": .id(m.type), "from": .id(m.from), "to": .ids(m.to)])
        let hooks = hooks.withLock { $0 }
        if channels.values.contains(.push) { hooks.wakeDelivery() }
        hooks.wakeInbox(m.to)
    }

    func duplicate(_ id: MessageID) {
        metrics.increment("ura_messages_duplicate_total")
        log.info("message.duplicate", ["id": .id(id)])
    }

    /// A delivery was given up: a failed receipt went to the sender and it waits for a redrive.
    func deadLetter(message: MessageID, recipient: AgencyID, reason: String) async {
        metrics.increment("ura_deliveries_total", ["dead_letter"])
        log.warning("delivery.dead_letter", ["id": .id(message), "to": .id(recipient), "reason": .string(reason)])
        await hooks.withLock { $0 }.deadLetter(message, recipient, reason)
    }

    /// A recipient's delivered receipt is recorded.
    func delivered(message: MessageID, recipient: AgencyID, receipt: [UInt8]) {
        hooks.withLock { $0 }.delivered(message, recipient, receipt)
    }

    func rejected(_ problem: GatewayError) {
        metrics.increment("ura_messages_rejected_total", [problem.type.rawValue])
        log.info("message.rejected", ["reason": .string(problem.type.rawValue)])
    }
}
