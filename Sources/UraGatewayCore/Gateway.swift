import Foundation
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraSchema
import UraStore

/// The gateway's parts, wired: store, directory, catalogue, intake, delivery, inbox, ledger,
/// deadlines, retention, notices, metrics. `urad` builds one from its configuration; tests build
/// one on a temporary directory. The HTTP API (`GatewayAPI`) and the background loops use it.
public final class Gateway: Sendable {
    public let store: any Store
    public let directory: DirectoryBook
    public let catalogue: MessageCatalogue
    public let signer: GatewaySigner
    public let clock: any WallClock
    public let events: GatewayEvents
    public let calendar: WorkingCalendar
    public let intake: Intake
    public let inbox: Inbox
    public let deliveries: DeliveryScheduler
    public let ledger: Ledger
    public let notices: NoticeSender
    public let deadlines: DeadlineWatcher
    public let retention: RetentionJob
    public let declarations: DeclarationDesk
    public let alerts: AlertWatcher
    public let ledgerVerifications = LedgerVerifications()
    /// Each peer gateway's state as federation last reported it (`/v1/monitor/peers`).
    public let peers = PeerBoard()
    /// The messages withheld because they no longer match their digest or ledger entry.
    public let integrity: MessageIntegrity
    public let settings: Settings

    public struct Settings: Sendable {
        public var intake = IntakeSettings()
        public var delivery = DeliverySettings()
        public var inbox = Inbox.Settings()
        public var keepBodies: Duration = .seconds(30 * 86_400)
        public var checkpointEvery: Duration = .seconds(3600)
        public var alertAfterUnreachable: Duration = .seconds(1800)
        /// How long a signed copy of the directory is valid (`valid_until` = signing time + this): a
        /// peer gateway refuses a copy replayed later than that.
        public var directoryValidity: Duration = .seconds(86_400)
        public init() {}
    }

    public init(store: any Store, directory: DirectoryBook, catalogue: MessageCatalogue, signer: GatewaySigner,
                transport: any DeliveryTransport, clock: any WallClock = SystemClock(), calendar: WorkingCalendar,
                settings: Settings = Settings(), events: GatewayEvents = GatewayEvents(),
                random: any RandomNumberGenerator & Sendable = SystemRandomNumberGenerator()) {
        self.store = store
        self.directory = directory
        self.catalogue = catalogue
        self.signer = signer
        self.clock = clock
        self.events = events
        self.calendar = calendar
        self.settings = settings
        intake = Intake(store: store, directory: directory, catalogue: catalogue,
                        planner: DeadlinePlanner(catalogue: catalogue.catalogue, calendar: calendar), signer: signer, clock: clock,
                        settings: settings.intake, events: events)
        let integrity = MessageIntegrity(store: store, events: events)
        self.integrity = integrity
        // Receipts may be made as far ahead of the gateway's clock as messages (intake.clock_skew_seconds).
        inbox = Inbox(store: store, directory: directory, clock: clock, settings: settings.inbox, events: events, integrity: integrity,
                      receiptSkew: settings.intake.clockSkew)
        deliveries = DeliveryScheduler(store: store, transport: transport, directory: directory, signer: signer, clock: clock,
                                       settings: settings.delivery, events: events, random: random, integrity: integrity,
                                       receiptSkew: settings.intake.clockSkew)
        ledger = Ledger(store: store, signer: signer, directory: directory)
        notices = NoticeSender(store: store, directory: directory, signer: signer, clock: clock, events: events)
        deadlines = DeadlineWatcher(store: store, notices: notices, clock: clock, events: events)
        retention = RetentionJob(store: store, clock: clock, keepBodies: settings.keepBodies, events: events)
        declarations = DeclarationDesk(store: store, directory: directory, catalogue: catalogue, clock: clock, events: events)
        alerts = AlertWatcher(store: store, notices: notices, clock: clock, events: events, unreachableAfter: settings.alertAfterUnreachable)
        let inbox = self.inbox, deliveries = self.deliveries, alerts = self.alerts
        events.setHooks { hooks in
            hooks.wakeDelivery = { deliveries.wakeUp() }
            hooks.wakeInbox = { inbox.notify($0) }
            hooks.deadLetter = { message, recipient, reason in await alerts.deadLetter(message: message, recipient: recipient, reason: reason) }
        }
        Self.collectMetrics(store: store, events: events)
    }

    /// The ledger's hash, head signer and head check for a store of this gateway; heads signed with
    /// `earlierKeys` (the directory's other gateway keys) are accepted after a key rotation.
    public static func ledgerConfiguration(_ signer: GatewaySigner, earlierKeys: [VerificationKey] = []) -> LedgerConfiguration {
        LedgerConfiguration(hash: { SHA256.hash($0) }, signHead: { signer.signTreeHead(size: $0, root: $1) },
                            verifyHead: { signer.verifyTreeHead($0, size: $1, root: $2, earlierKeys: earlierKeys) })
    }

    /// The gateway's signing keys listed in `directory` other than `signer`'s own.
    public static func earlierGatewayKeys(in directory: Directory, except signer: GatewaySigner) -> [VerificationKey] {
        directory.gateway.keys.filter { $0.use == .sig && $0.kid != signer.key.keyID }.compactMap { try? VerificationKey(jwk: $0.jwk) }
    }

    /// A directory this gateway can serve: it is for this gateway (`gateway.id`) and lists the key
    /// its receipts are signed with. Checked at start and at every reload.
    package static func check(_ directory: Directory, for signer: GatewaySigner) throws(SetupError) {
        guard directory.gateway.id == signer.id else {
            throw SetupError("the directory is for gateway \(directory.gateway.id), but this gateway (gateway.id) is \(signer.id)")
        }
        guard directory.gateway.keys.contains(where: { $0.kid == signer.key.keyID }) else {
            throw SetupError("the gateway's signing key \(signer.key.keyID) is not among the gateway keys of the directory; receipts could not be verified")
        }
    }

    /// Replaces the directory (SIGHUP, enrolment): new keys and pins apply to the next request,
    /// and open deliveries follow agencies that changed between push and pull.
    public func reload(_ directory: Directory) async throws {
        let previous = self.directory.snapshot.directory
        // The checks urad makes at start: a directory that fails them is not taken.
        try Self.check(directory, for: signer)
        guard directory.version >= previous.version else {
            throw SetupError("the directory's version \(directory.version) is older than the one in use (\(previous.version))")
        }
        let snapshot = try DirectorySnapshot(directory)
        self.directory.replace(snapshot)
        for agency in directory.agencies where previous[agency.id]?.delivery.channel != agency.delivery.channel {
            try await store.setChannel(agency.delivery.channel, for: agency.id, now: clock.now)
        }
        events.log.info("directory.reloaded", ["version": .int(directory.version), "agencies": .int(directory.agencies.count)])
    }

    /// Gauges read from the store when /metrics is scraped: queue depths by state, overdue
    /// deadlines, the ledger's size, each agency's consecutive failures.
    static func collectMetrics(store: any Store, events: GatewayEvents) {
        let m = events.metrics
        m.declare("ura_queue_depth", .gauge, help: "Deliveries not yet settled, by state.", labels: ["state"])
        m.declare("ura_dead_letters", .gauge, help: "Deliveries given up and not redriven.")
        m.declare("ura_deadlines_overdue", .gauge, help: "SOP deadlines currently overdue.")
        m.declare("ura_deadlines_open", .gauge, help: "SOP deadlines open and not yet due.")
        m.declare("ura_ledger_entries", .gauge, help: "Entries in the ledger.")
        m.declare("ura_ledger_verified", .gauge, help: "1 when the last full ledger verification found it intact, 0 when not.")
        m.declare("ura_agency_consecutive_failures", .gauge, help: "Failed push attempts in a row, by agency.", labels: ["agency"])
        m.declare("ura_alerts_total", .counter, help: "Alerts sent to the secretariat, by kind.", labels: ["kind"])
        m.declare("ura_alerts_undeliverable_total", .counter, help: "Alerts that themselves became dead letters (not alerted again).")
        m.collect {
            var samples: [(name: String, labels: [String], value: Double)] = []
            if let counts = try? store.deliveryCounts() {
                var byState: [DeliveryState: Int] = [:]
                for c in counts { byState[c.state, default: 0] += c.count }
                for state in [DeliveryState.pending, .inFlight, .retryScheduled] {
                    samples.append(("ura_queue_depth", [state.rawValue], Double(byState[state] ?? 0)))
                }
                samples.append(("ura_dead_letters", [], Double(byState[.deadLetter] ?? 0)))
            }
            if let pending = try? store.pendingDeadlines(limit: 100_000) {
                samples.append(("ura_deadlines_overdue", [], Double(pending.filter { $0.state == .overdue }.count)))
                samples.append(("ura_deadlines_open", [], Double(pending.filter { $0.state == .open }.count)))
            }
            if let size = try? store.ledgerSize() { samples.append(("ura_ledger_entries", [], Double(size))) }
            for h in (try? store.agencyHealth()) ?? [] {
                samples.append(("ura_agency_consecutive_failures", [h.agency.rawValue], Double(h.consecutiveFailures)))
            }
            return samples
        }
    }

    /// The directory as the gateway serves it: a JWS over its JSON, signed with the gateway's key
    /// (`typ: ura-directory+json`), so clients can cache it and check it offline. The copy carries a validity window, `issued` to `valid_until` (now + `directoryValidity`).
    public func signedDirectory() throws -> [UInt8] {
        var served = directory.snapshot.directory
        served.validUntil = clock.now.addingTimeInterval(settings.directoryValidity.seconds)
        let payload = try JSONValueDecoder.reencode(served)
        return try JWS.sign(payload: payload, header: ["typ": "ura-directory+json"], with: signer.key).serialized()
    }
}
