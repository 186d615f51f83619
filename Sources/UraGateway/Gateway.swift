import Foundation
import UraCrypto
import UraJSON
import UraModel
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
    public let receipts: ReceiptVerifier
    public let declarations: DeclarationDesk
    public let settings: Settings

    public struct Settings: Sendable {
        public var intake = IntakeSettings()
        public var delivery = DeliverySettings()
        public var inbox = Inbox.Settings()
        public var keepBodies: Duration = .seconds(30 * 86_400)
        public var checkpointEvery: Duration = .seconds(3600)
        public var alertAfterUnreachable: Duration = .seconds(1800)
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
        inbox = Inbox(store: store, directory: directory, clock: clock, settings: settings.inbox, events: events)
        deliveries = DeliveryScheduler(store: store, transport: transport, directory: directory, signer: signer, clock: clock,
                                       settings: settings.delivery, events: events, random: random)
        ledger = Ledger(store: store, signer: signer)
        notices = NoticeSender(store: store, directory: directory, signer: signer, clock: clock, events: events)
        deadlines = DeadlineWatcher(store: store, notices: notices, clock: clock, events: events)
        retention = RetentionJob(store: store, clock: clock, keepBodies: settings.keepBodies, events: events)
        receipts = ReceiptVerifier(directory: directory, clock: clock)
        declarations = DeclarationDesk(store: store, directory: directory, catalogue: catalogue, clock: clock, events: events)
        let inbox = self.inbox, deliveries = self.deliveries
        events.setHooks { hooks in
            hooks.wakeDelivery = { deliveries.wakeUp() }
            hooks.wakeInbox = { inbox.notify($0) }
        }
    }

    /// The ledger's hash and head signer for a store of this gateway.
    public static func ledgerConfiguration(_ signer: GatewaySigner) -> LedgerConfiguration {
        LedgerConfiguration(hash: { SHA256.hash($0) }, signHead: { signer.signTreeHead(size: $0, root: $1) })
    }

    /// Replaces the directory (SIGHUP, enrolment): new keys and pins apply to the next request,
    /// and open deliveries follow agencies that changed between push and pull.
    public func reload(_ directory: Directory) async throws {
        let snapshot = try DirectorySnapshot(directory)
        let previous = self.directory.snapshot.directory
        self.directory.replace(snapshot)
        for agency in directory.agencies where previous[agency.id]?.delivery.channel != agency.delivery.channel {
            try await store.setChannel(agency.delivery.channel, for: agency.id, now: clock.now)
        }
        events.log.info("directory.reloaded", ["version": .int(directory.version), "agencies": .int(directory.agencies.count)])
    }

    /// The directory as the gateway serves it: a JWS over its JSON, signed with the gateway's key
    /// (`typ: ura-directory+json`), so clients can cache it and check it offline.
    public func signedDirectory() throws -> [UInt8] {
        let payload = try JSONValueDecoder.reencode(directory.snapshot.directory)
        return try JWS.sign(payload: payload, header: ["typ": "ura-directory+json"], with: signer.key).serialized()
    }
}
