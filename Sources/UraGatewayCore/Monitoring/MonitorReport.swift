import Foundation
import Synchronization
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// The secretariat's figures on delivery, reachability, deadlines, dead letters and the ledger:
/// one source for the monitor API, `ura status` and the metrics. Metadata only — ids, types,
/// agencies, states, times, error sentences — never a body, a name or a key.
public struct MonitorReport: Sendable {
    let gateway: Gateway

    public init(gateway: Gateway) { self.gateway = gateway }

    /// Per agency: deliveries in each state, the success rate of settled ones, and reachability;
    /// overall: accept-to-delivered latency percentiles over the last day, overdue deadlines, dead
    /// letters and the ledger.
    public func overview() throws -> JSONValue {
        let now = gateway.clock.now
        let counts = try gateway.store.deliveryCounts()
        let health = Dictionary(try gateway.store.agencyHealth().map { ($0.agency, $0) }, uniquingKeysWith: { a, _ in a })
        var agencies: [JSONValue] = []
        let known = gateway.directory.snapshot.directory.agencies.map(\.id)
        let all = Set(known).union(counts.map(\.recipient)).sorted { $0.rawValue < $1.rawValue }
        var byAgency: [AgencyID: [DeliveryState: Int]] = [:], totals: [DeliveryState: Int] = [:]
        for c in counts {
            byAgency[c.recipient, default: [:]][c.state, default: 0] += c.count
            totals[c.state, default: 0] += c.count
        }
        for agency in all {
            agencies.append(.object(Self.agencyFigures(agency, states: byAgency[agency] ?? [:], health: health[agency])))
        }
        let latencies = try gateway.store.deliveryLatencies(since: now.addingTimeInterval(-86_400), limit: 100_000)
        let pending = try gateway.store.pendingDeadlines(limit: 10_000)
        return [
            "generated_at": .string(RFC3339.string(from: now)),
            "deliveries": .object(Self.stateCounts(totals)),
            "latency_seconds": Self.percentiles(latencies),
            "deadlines": ["overdue": .number(Double(pending.filter { $0.state == .overdue }.count)),
                          "open": .number(Double(pending.filter { $0.state == .open }.count))],
            "ledger": try ledger(),
            "agencies": .array(agencies),
        ]
    }

    static func stateCounts(_ states: [DeliveryState: Int]) -> JSONObject {
        var object: JSONObject = [:]
        for state in [DeliveryState.pending, .inFlight, .retryScheduled, .delivered, .deadLetter] {
            object[state.rawValue] = .number(Double(states[state] ?? 0))
        }
        return object
    }

    static func agencyFigures(_ agency: AgencyID, states: [DeliveryState: Int], health: AgencyHealth?) -> JSONObject {
        var object: JSONObject = ["agency": .string(agency.rawValue)]
        for (k, v) in stateCounts(states) { object[k] = v }
        let delivered = states[.delivered] ?? 0, dead = states[.deadLetter] ?? 0
        object["success_rate"] = delivered + dead == 0 ? .null : .number((Double(delivered) / Double(delivered + dead) * 1000).rounded() / 1000)
        object["reachability"] = .object(reachability(health))
        return object
    }

    static func reachability(_ h: AgencyHealth?) -> JSONObject {
        func time(_ d: Date?) -> JSONValue { d.map { .string(RFC3339.string(from: $0)) } ?? .null }
        guard let h else { return ["state": "unknown", "consecutive_failures": 0] }
        let state = h.failingSince != nil ? "failing" : (h.lastSuccessAt != nil || h.lastSeenAt != nil ? "reachable" : "unknown")
        return ["state": .string(state), "last_success_at": time(h.lastSuccessAt), "last_failure_at": time(h.lastFailureAt),
                "failing_since": time(h.failingSince), "consecutive_failures": .number(Double(h.consecutiveFailures)),
                "last_error": h.lastError.map { .string($0) } ?? .null, "last_poll_at": time(h.lastSeenAt), "alerted_at": time(h.alertedAt)]
    }

    /// p50, p90, p99 and the maximum, nearest-rank.
    static func percentiles(_ values: [Double]) -> JSONValue {
        guard !values.isEmpty else { return ["count": 0, "p50": .null, "p90": .null, "p99": .null, "max": .null] }
        let sorted = values.sorted()
        func rank(_ p: Double) -> JSONValue {
            let index = max(0, Int((p * Double(sorted.count)).rounded(.up)) - 1)
            return .number((sorted[min(index, sorted.count - 1)] * 1000).rounded() / 1000)
        }
        return ["count": .number(Double(sorted.count)), "p50": rank(0.5), "p90": rank(0.9), "p99": rank(0.99), "max": rank(1)]
    }

    /// Reachability of every agency of the directory.
    public func agencies() throws -> JSONValue {
        let health = Dictionary(try gateway.store.agencyHealth().map { ($0.agency, $0) }, uniquingKeysWith: { a, _ in a })
        return ["agencies": .array(gateway.directory.snapshot.directory.agencies.map { a in
            var object: JSONObject = ["agency": .string(a.id.rawValue), "kind": .string(a.kind.rawValue), "name": .string(a.name),
                                      "status": .string(a.status.rawValue), "delivery": .string(a.delivery.channel.rawValue)]
            for (k, v) in Self.reachability(health[a.id]) { object[k] = v }
            return .object(object)
        })]
    }

    /// Open and overdue deadlines, overdue first.
    public func deadlines(limit: Int = 500) throws -> JSONValue {
        ["deadlines": .array(try gateway.store.pendingDeadlines(limit: limit).map { d in
            [
                "id": .string(d.id), "case": .string(d.caseReference.rawValue), "state": .string(d.state.rawValue),
                "trigger": .string(d.trigger.rawValue), "trigger_type": .string(d.triggerType.rawValue),
                "expected": .array(d.expected.map { .string($0.rawValue) }), "rule": .string(d.rule.description),
                "due": .string(RFC3339.string(from: d.due)), "responsible": .array(d.responsible.map { .string($0.rawValue) }),
            ]
        })]
    }

    /// Dead letters with their reasons, most recent first.
    public func deadLetters(limit: Int = 500) throws -> JSONValue {
        ["dead_letters": .array(try gateway.store.deadLetters(limit: limit).map { d in
            var object: JSONObject = ["message": .string(d.message.rawValue), "recipient": .string(d.recipient.rawValue),
                                      "channel": .string(d.channel.rawValue), "attempts": .number(Double(d.attempts)),
                                      "reason": d.lastError.map { .string($0) } ?? .null]
            if let at = d.settledAt { object["at"] = .string(RFC3339.string(from: at)) }
            return .object(object)
        })]
    }

    /// The ledger's size, its last signed checkpoint and the last verification.
    public func ledger() throws -> JSONValue {
        var object: JSONObject = ["entries": .number(Double(try gateway.store.ledgerSize()))]
        if let head = try gateway.store.checkpoints().last {
            object["last_checkpoint"] = ["tree_size": .number(Double(head.treeSize)), "root": .string(Base64URL.encode(head.root)),
                                         "at": .string(RFC3339.string(from: head.at))]
        } else {
            object["last_checkpoint"] = .null
        }
        if let last = gateway.ledgerVerifications.last {
            object["last_verification"] = ["at": .string(RFC3339.string(from: last.at)), "intact": .bool(last.report.isIntact),
                                           "entries": .number(Double(last.report.entries)),
                                           "problems": .array(last.report.problems.prefix(20).map { .string($0.description) })]
        } else {
            object["last_verification"] = .null
        }
        object["withheld"] = .array(gateway.integrity.withheld.map { ["message": .string($0.message.rawValue), "reason": .string($0.reason)] })
        return .object(object)
    }

    /// Messages matching a filter, newest first, with their deliveries (metadata only).
    public func messages(_ filter: MessageFilter) throws -> JSONValue {
        ["messages": .array(try gateway.store.messages(matching: filter).map { m in
            [
                "id": .string(m.metadata.id.rawValue), "type": .string(m.metadata.type.rawValue), "case": .string(m.metadata.caseReference.rawValue),
                "from": .string(m.metadata.from.rawValue), "subject": .string(m.metadata.subject.rawValue),
                "accepted_at": .string(RFC3339.string(from: m.acceptedAt)),
                "settled_at": m.settledAt.map { .string(RFC3339.string(from: $0)) } ?? .null,
                "deliveries": .array(m.deliveries.map(\.json)),
            ]
        })]
    }
}

/// The outcome of the ledger verifications urad runs (at start and periodically), for the monitor.
public final class LedgerVerifications: Sendable {
    public struct Entry: Sendable {
        public let at: Date
        public let report: LedgerReport
    }

    private let latest = Mutex<Entry?>(nil)

    public init() {}

    public var last: Entry? { latest.withLock { $0 } }

    /// Verifies the whole ledger now and keeps the outcome.
    @discardableResult
    public func run(_ ledger: Ledger, at now: Date, events: GatewayEvents) -> LedgerReport? {
        guard let report = try? ledger.verify() else { return nil }
        latest.withLock { $0 = Entry(at: now, report: report) }
        events.metrics.set("ura_ledger_verified", to: report.isIntact ? 1 : 0)
        if !report.isIntact {
            events.log.error("ledger.verification_failed", ["problems": .int(report.problems.count),
                                                            "first": .string(report.problems.first?.description ?? "")])
        }
        return report
    }
}
