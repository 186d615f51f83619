import Foundation
import Synchronization
import UraCrypto
import UraFederation
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraModel
import UraProtocol
import UraProvisioning
import UraSchema
import UraStore
import UraStorePostgres
import UraStoreSQLite

/// `urad` assembled from its configuration: the store, the gateway, the HTTPS API listener and
/// the background services (pushes, deadlines, retention, checkpoints, alerts, ledger
/// verification) under one `ServiceRunner`. `urad` adds signals and demo mode; tests run the same
/// thing in process.
public final class Daemon: Sendable {
    public let configuration: GatewayConfiguration
    public let gateway: Gateway
    let store: any Store
    let api: HTTPServer
    /// `/metrics` and `/healthz` in plain HTTP, on loopback by default (`admin.*`).
    let admin: HTTPServer?
    let pushClient: HTTPClient
    /// Peer gateways: their signed directories and the relay transport (`UraFederation`).
    public let federation: Federation
    /// Delivered receipts of relayed messages on their way back to the peer (service `receipt-forwarding`).
    public let receiptForwarder: ReceiptForwarder
    /// Each background service's state, for `/readyz` and `ura_service_up`.
    public let services: ServiceStatus
    /// The background services' runner, from `start(background: true)` until `stop`.
    private let runner = Mutex<ServiceRunner?>(nil)
    private let ports = Mutex<(api: Int, admin: Int?)>((0, nil))
    let log: Logger
    /// The data directory's lock (`run/urad.lock`), held as long as the daemon exists.
    let lock: DataDirectoryLock

    /// Takes the data directory's lock (unless `lock` is the one the caller took), loads keys, the
    /// directory, the catalogue, the calendar and the TLS files, and opens the store. Every
    /// failure is a sentence naming the file or option.
    public init(configuration: GatewayConfiguration, clock: any WallClock = SystemClock(), log: Logger? = nil,
                lock: DataDirectoryLock? = nil) throws {
        self.configuration = configuration
        let log = log ?? Logger(minimum: configuration.logLevel, clock: clock)
        self.log = log
        // First: a second urad on this data directory stops here, before it touches anything.
        self.lock = try lock ?? DataDirectoryLock.acquire(in: configuration.dataDirectory)
        let loaded = try Self.load(configuration, log: log)
        let signer = loaded.signer
        let ledger = Gateway.ledgerConfiguration(signer, earlierKeys: Gateway.earlierGatewayKeys(in: loaded.snapshot.directory, except: signer))
        store = try Self.openStore(configuration, ledger: ledger)
        if let refusal = store.writeRefusal {
            // urad still starts, so the secretariat can see the ledger report on the dashboard;
            // /readyz fails and every submission is answered 503 (senders keep their messages).
            log.error("store.refuses_writes", ["error": .string("\(refusal)")])
        }
        pushClient = HTTPClient(configuration: HTTPClientConfiguration(
            clientCertificate: .file(configuration.tlsCertificate.path), clientKey: .file(configuration.tlsPrivateKey.path),
            trustedAuthorities: .file(configuration.pushCA.path), connectTimeout: configuration.pushConnectTimeout,
            timeout: configuration.pushTimeout, maxConcurrentTransfers: configuration.gateway.delivery.concurrency))
        let events = GatewayEvents(log: log)
        // Peers' last good directories are merged in before the first request is served.
        let links = PeerLinks(.init(certificate: configuration.tlsCertificate, privateKey: configuration.tlsPrivateKey,
                                    folder: configuration.peersDirectory, connectTimeout: configuration.pushConnectTimeout,
                                    timeout: configuration.pushTimeout))
        federation = Federation(links: links, clock: clock, events: events)
        federation.loadKept(for: loaded.snapshot.directory)
        let book: DirectoryBook
        do { book = DirectoryBook(try DirectorySnapshot(federation.merged(loaded.snapshot.directory))) } catch {
            throw SetupError("the directory with the peers' agencies merged in cannot be used: \(error)")
        }
        gateway = Gateway(store: store, directory: book, catalogue: loaded.catalogue, signer: signer,
                          transport: FederationTransport(local: PushTransport(client: pushClient), links: links, directory: book,
                                                         store: store, clock: clock),
                          clock: clock, calendar: loaded.calendar, settings: configuration.gateway, events: events)
        receiptForwarder = federation.forwardReceipts(of: gateway)
        if let postgres = store as? PostgresStore {
            // A message another node committed wakes the long polls this node holds.
            let inbox = gateway.inbox
            do { try postgres.listenForInbox { inbox.notify($0) } } catch {
                store.close()
                throw StoreUnreachable(description: "the PostgreSQL store cannot be reached (store.url): \(error)")
            }
        }
        services = ServiceStatus(metrics: events.metrics)
        api = HTTPServer(configuration: HTTPServerConfiguration(
            host: configuration.listenHost, port: configuration.listenPort,
            tls: Self.apiTLS(configuration),
            limits: HTTPServerLimits(maxHeaderBytes: configuration.maxHeaderBytes, maxBodyBytes: configuration.maxBodyBytes),
            timeouts: HTTPServerTimeouts(header: configuration.headerTimeout, body: configuration.bodyTimeout, idle: configuration.idleTimeout,
                                         unverifiedIdle: configuration.unverifiedIdleTimeout),
            eventLoops: configuration.eventLoops, maxConnections: configuration.maxConnections,
            maxInFlightRequests: max(1024, configuration.maxConnections), releaseMemoryAfterCloses: true), handler: GatewayAPI(gateway: gateway, services: services))
        if configuration.adminEnabled {
            let access: DashboardAccess
            do { access = try DashboardAccess(tokenFile: configuration.dataDirectory.appendingPathComponent("run/admin-token"), clock: clock) } catch {
                throw SetupError("the dashboard's login token cannot be written: \(error)")
            }
            admin = HTTPServer(configuration: HTTPServerConfiguration(host: configuration.adminHost, port: configuration.adminPort, tls: nil,
                                                                      eventLoops: 1, maxConnections: 64),
                               handler: AdminHandler(gateway: gateway, access: access))
        } else {
            admin = nil
        }
    }

    /// Opens the configured store: the SQLite file, or the PostgreSQL database (migrated at open).
    /// A database that does not answer is `StoreUnreachable` (urad exits 69), anything else a `SetupError`.
    static func openStore(_ configuration: GatewayConfiguration, ledger: LedgerConfiguration) throws -> any Store {
        switch configuration.storeBackend {
        case .sqlite:
            do {
                var options = SQLiteStore.Options()
                options.commitDelay = configuration.commitDelay
                return try SQLiteStore(path: configuration.storePath.path, ledger: ledger, options: options)
            } catch {
                throw SetupError("the store \(configuration.storePath.path) cannot be opened: \(error)")
            }
        case .postgres(let url):
            do {
                return try PostgresStore(url: url, ledger: ledger)
            } catch .unavailable(let reason) {
                throw StoreUnreachable(description: "the PostgreSQL store cannot be reached (store.url): \(reason)")
            } catch {
                throw SetupError("the PostgreSQL store at \(PostgresURL.describe(url)) cannot be opened: \(error)")
            }
        }
    }

    /// What urad reads before it opens the store, checked as a start checks it. Reads only.
    struct Loaded {
        let signer: GatewaySigner
        let snapshot: DirectorySnapshot
        let catalogue: MessageCatalogue
        let calendar: WorkingCalendar
    }

    static func load(_ configuration: GatewayConfiguration, log: Logger) throws -> Loaded {
        let signingKey = try Self.privateKeyFile(configuration.signingKey) { try SigningKey(contentsOfFile: $0) }
        let directory: Directory
        do { directory = try DirectoryFile.read(configuration.directoryFile) } catch {
            throw SetupError("the directory cannot be loaded: \(error)")
        }
        let signer = GatewaySigner(id: configuration.gatewayID, key: signingKey)
        try Gateway.check(directory, for: signer)
        let snapshot: DirectorySnapshot
        do { snapshot = try DirectorySnapshot(directory) } catch { throw SetupError("\(configuration.directoryFile.path): \(error)") }
        let catalogue: MessageCatalogue
        do { catalogue = try MessageCatalogue(directory: configuration.schemas ?? MessageCatalogue.defaultDirectory()) } catch {
            throw SetupError("\(error)")
        }
        let calendar = try Self.calendar(configuration, log: log)
        // What the listener and the push client load when they start, loaded now so that a bad
        // file stops urad (or fails the check) before the store is opened.
        try checkedTLS(configuration) { try $0.check() }
        do { try PEMSource.file(configuration.pushCA.path).checkCertificates() } catch {
            throw SetupError("tls.push_ca cannot be used: \(error)")
        }
        return Loaded(signer: signer, snapshot: snapshot, catalogue: catalogue, calendar: calendar)
    }

    /// The API's TLS: the client CAs are `tls.client_ca` and, with peer gateways, each peer's CA
    /// (`peers/<peer-id>/ca.pem`): a peer's certificate then passes TLS, and only the pin of its
    /// directory entry makes it a participant (an agency certificate of the peer's CA is no one here).
    static func apiTLS(_ configuration: GatewayConfiguration) -> TLSConfiguration {
        let peerCAs = ((try? FileManager.default.contentsOfDirectory(atPath: configuration.peersDirectory.path)) ?? []).sorted()
            .map { configuration.peersDirectory.appendingPathComponent($0).appendingPathComponent("ca.pem") }
            .compactMap { FileManager.default.contents(atPath: $0.path) }
        var authorities = PEMSource.file(configuration.clientCA.path)
        if !peerCAs.isEmpty, let own = FileManager.default.contents(atPath: configuration.clientCA.path) {
            authorities = .bytes(([own] + peerCAs).flatMap { Array($0) + [UInt8(ascii: "\n")] })
        }
        return TLSConfiguration(certificateChain: .file(configuration.tlsCertificate.path), privateKey: .file(configuration.tlsPrivateKey.path),
                                clientCertificateAuthorities: authorities)
    }

    /// `urad --check-config`: loads and checks what a start loads and checks, and says where the
    /// store is and whether urad can open it there, but opens neither the store nor anything
    /// else for writing: nothing on disk changes. The lines to print; a failure is a sentence.
    public static func check(_ configuration: GatewayConfiguration, log: Logger? = nil) throws -> [String] {
        let loaded = try load(configuration, log: log ?? Logger(minimum: configuration.logLevel))
        return ["configuration OK: \(configuration.dataDirectory.path), gateway \(configuration.gatewayID), "
                    + "\(loaded.snapshot.directory.agencies.count) agencies, \(loaded.catalogue.catalogue.entries.count) message types",
                try storeStatus(configuration)]
    }

    /// The check's line about the store: where the SQLite file is and whether urad can open it, or
    /// what the PostgreSQL server says (version, schema version, whether it takes writes).
    static func storeStatus(_ configuration: GatewayConfiguration) throws -> String {
        switch configuration.storeBackend {
        case .sqlite:
            return try storeLocation(configuration.storePath)
        case .postgres(let url):
            let where_ = PostgresURL.describe(url)
            let status: PostgresStore.ServerStatus
            do { status = try PostgresStore.status(url: url) } catch .unavailable(let reason) {
                throw StoreUnreachable(description: "the PostgreSQL store cannot be reached (store.url): \(reason)")
            } catch {
                throw SetupError("the PostgreSQL store at \(where_) cannot be read: \(error)")
            }
            let schema = switch status.schemaVersion {
            case 0: "no Ura schema yet (urad creates version \(status.latestSchemaVersion) at start)"
            case status.latestSchemaVersion: "schema version \(status.schemaVersion) (current)"
            case let v where v < status.latestSchemaVersion: "schema version \(v) (urad migrates it to \(status.latestSchemaVersion) at start)"
            default: "schema version \(status.schemaVersion), NEWER than this urad (\(status.latestSchemaVersion)): upgrade urad"
            }
            guard status.schemaVersion <= status.latestSchemaVersion else {
                throw SetupError("store postgres at \(where_): PostgreSQL \(status.serverVersion), \(schema)")
            }
            return "store postgres at \(where_): PostgreSQL \(status.serverVersion), \(schema), "
                + (status.writable ? "writable" : "READ-ONLY (a standby? add target_session_attrs=read-write to store.url)")
        }
    }

    /// Whether urad can open (or create) the store at `url`, found without opening it.
    static func storeLocation(_ url: URL) throws(SetupError) -> String {
        let path = url.path
        let folder = url.deletingLastPathComponent().path
        var status = stat()
        if stat(path, &status) == 0 {
            guard status.st_mode & S_IFMT == S_IFREG else { throw SetupError("the store \(path) is not a file; set store.path to the database file") }
            guard access(path, R_OK | W_OK) == 0 else {
                throw SetupError("the store \(path) exists but this user cannot write it (\(String(cString: strerror(errno)))); it must belong to the user urad runs as")
            }
            guard access(folder, W_OK | X_OK) == 0 else {
                throw SetupError("this user cannot write the store's folder \(folder), where SQLite keeps the store's -wal and -shm files")
            }
            for file in ["", "-wal", "-shm"].map({ path + $0 }) where stat(file, &status) == 0 && status.st_mode & 0o077 != 0 {
                throw SetupError("the store file \(file) can be read or written by others (mode \(String(status.st_mode & 0o777, radix: 8))); "
                                 + "urad refuses to open it: run chmod 600 \(path) \(path)-wal \(path)-shm")
            }
            return "store \(path): exists, is writable and private (0600)"
        }
        guard stat(folder, &status) == 0, status.st_mode & S_IFMT == S_IFDIR else {
            throw SetupError("the store's folder \(folder) does not exist; create it or change store.path")
        }
        guard access(folder, W_OK | X_OK) == 0 else {
            throw SetupError("the store \(path) does not exist and this user cannot create it in \(folder)")
        }
        return "store \(path): does not exist yet; urad creates it at start (\(folder) is writable)"
    }

    /// Private keys must be readable by their owner only: a key others can read is refused.
    static func privateKeyFile<T>(_ url: URL, _ load: (String) throws -> T) throws -> T {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path) else {
            throw SetupError("the private key \(url.path) does not exist")
        }
        if let mode = attributes[.posixPermissions] as? Int, mode & 0o077 != 0 {
            throw SetupError("the private key \(url.path) can be read by others (mode \(String(mode, radix: 8))); run chmod 600 \(url.path)")
        }
        do { return try load(url.path) } catch { throw SetupError("the private key \(url.path) cannot be used: \(error)") }
    }

    static func calendar(_ configuration: GatewayConfiguration, log: Logger) throws -> WorkingCalendar {
        let candidates = [configuration.holidays,
                          MessageCatalogue.defaultDirectory().deletingLastPathComponent().appendingPathComponent("holidays-al.json"),
                          MessageCatalogue.defaultDirectory().deletingLastPathComponent().appendingPathComponent("deploy/holidays-al.json"),
                          URL(fileURLWithPath: "/etc/ura/holidays-al.json")].compactMap { $0 }
        for file in candidates where FileManager.default.fileExists(atPath: file.path) {
            do { return try WorkingCalendar(contentsOf: file) } catch { throw SetupError("the holiday calendar \(file.path): \(error)") }
        }
        if let explicit = configuration.holidays { throw SetupError("the holiday calendar \(explicit.path) does not exist") }
        log.warning("deadlines.no_holidays", ["hint": "no holiday calendar found; working days skip weekends only (set holidays)"])
        return WorkingCalendar(timeZone: TimeZone(identifier: "Europe/Tirane")!, holidays: [])
    }

    /// Starts listening and the background work; returns the API port. `background: false` (for
    /// test scenarios driven by a test clock) starts the listeners only: the caller runs the
    /// scheduler and watchers itself.
    @discardableResult
    public func start(background: Bool = true) throws -> Int {
        let port: Int
        do { port = try api.start() } catch {
            // The server's own sentence names the address (and what to do); other failures do not.
            if case .cannotListen = error { throw SetupError("\(error)") }
            throw SetupError("cannot listen on \(configuration.listenHost):\(configuration.listenPort): \(error)")
        }
        var adminPort: Int?
        if let admin {
            do { adminPort = try admin.start() } catch {
                if case .cannotListen = error { throw SetupError("the admin listener: \(error)") }
                throw SetupError("cannot listen for the admin listener on \(configuration.adminHost):\(configuration.adminPort): \(error)")
            }
        }
        ports.withLock { $0 = (port, adminPort) }
        guard background else { return port }
        let gateway = self.gateway, federation = self.federation, every = configuration.peerSync
        let peers = BackgroundService("federation") {
            try await Self.every(every, on: gateway.clock) { await federation.syncAll(gateway) }
        }
        let forwarder = receiptForwarder
        let forwarding = BackgroundService("receipt-forwarding") { await forwarder.run() }
        let runner = ServiceRunner(services: Self.backgroundServices(gateway, deadlineCheck: configuration.deadlineCheck) + [peers, forwarding], status: services,
                                   clock: gateway.clock, log: log)
        runner.start()
        self.runner.withLock { $0 = runner }
        log.info("urad.started", ["port": .int(port), "agencies": .int(gateway.directory.snapshot.directory.agencies.count),
                                  "types": .int(gateway.catalogue.catalogue.entries.count)])
        return port
    }

    public var apiPort: Int { ports.withLock { $0.api } }
    /// The admin listener's port, when it is enabled and started.
    public var adminPort: Int? { ports.withLock { $0.admin } }

    /// The background services urad runs on `gateway`: each loops until cancelled, and an error
    /// ends its loop (the runner logs it and starts the service again).
    static func backgroundServices(_ gateway: Gateway, deadlineCheck: Duration) -> [BackgroundService] {
        let clock = gateway.clock
        return [
            BackgroundService("delivery") { await gateway.deliveries.run() },
            BackgroundService("deadlines") { try await every(deadlineCheck, on: clock) { await gateway.deadlines.runOnce() } },
            BackgroundService("retention") { try await every(.seconds(3600), on: clock) { await gateway.retention.runOnce() } },
            BackgroundService("checkpoints") {
                try await every(gateway.settings.checkpointEvery, on: clock) { try await gateway.ledger.checkpoint(now: clock.now) }
            },
            BackgroundService("alerts") { try await every(.seconds(60), on: clock) { await gateway.alerts.runOnce() } },
            BackgroundService("ledger-verification") {
                try await every(.seconds(3600), on: clock) { gateway.ledgerVerifications.run(gateway.ledger, at: clock.now, events: gateway.events) }
            },
        ]
    }

    /// How long `stop` waits for the background services: a push under way ends within its timeout.
    var serviceStopBound: Duration { configuration.pushTimeout + .seconds(5) }

    /// Stops accepting, lets in-flight requests and commits finish, stops the background services
    /// (waiting for them at most `serviceStopBound`) and closes the store.
    public func stop() async {
        log.info("urad.stopping", [:])
        await api.shutdown(gracePeriod: .seconds(10))
        await admin?.shutdown(gracePeriod: .seconds(1))
        if let runner = runner.withLock({ current in defer { current = nil }; return current }) {
            await runner.stop(within: serviceStopBound)
        }
        pushClient.shutdown()
        federation.links.shutdown()
        store.close()
        log.info("urad.stopped", [:])
    }

    /// SIGHUP: reads the directory file and the API's TLS files again and applies each that can be
    /// used; what cannot is logged (`directory.reload_failed`, `tls.reload_failed`) and the one in
    /// use stays.
    public func reload() async {
        await reloadDirectory()
        // On demand: the peers' directories now (a peer added, or its key announced).
        federation.links.reset()
        await federation.syncAll(gateway)
        do {
            let served = try reloadTLS()
            log.info("tls.reloaded", ["certificate_sha256": .string(served.sha256Fingerprint),
                                      "not_after": .string(served.notAfter.map { RFC3339.string(from: $0) } ?? "unreadable")])
        } catch {
            log.error("tls.reload_failed", ["error": .string("\(error)"),
                                            "kept_certificate_sha256": .string(api.servedCertificate?.sha256Fingerprint ?? "none")])
        }
    }

    /// Loads `tls.certificate`, `tls.private_key` and `tls.client_ca` again (after `ura admin
    /// renew-tls`, say), checked as a start checks them, for the connections accepted from now on;
    /// open ones keep theirs. Returns the certificate now served; on failure the one in use stays.
    /// (The push client reads the certificate and key itself for each new connection it makes.)
    @discardableResult
    public func reloadTLS() throws -> ServedCertificate {
        try Self.checkedTLS(configuration) { [api] tls in try api.reloadTLS(with: tls) }
    }

    /// Checks the API's TLS key file as a start does (it exists, others cannot read it, it loads),
    /// then `load`s the TLS files; any failure is one sentence naming the settings.
    static func checkedTLS<T>(_ configuration: GatewayConfiguration, _ load: (TLSConfiguration) throws -> T) throws -> T {
        _ = try privateKeyFile(configuration.tlsPrivateKey) { try SigningKey(contentsOfFile: $0) }
        do { return try load(apiTLS(configuration)) } catch {
            throw SetupError("the TLS files (tls.certificate, tls.private_key, tls.client_ca) cannot be used: \(error)")
        }
    }

    /// Reads the directory file again and applies it.
    public func reloadDirectory() async {
        do {
            try await gateway.reload(federation.merged(try DirectoryFile.read(configuration.directoryFile)))
        } catch {
            log.error("directory.reload_failed", ["error": .string("\(error)"), "kept_version": .int(gateway.directory.snapshot.directory.version)])
        }
    }

    /// Does `work` now and then every `interval` of `clock`, until cancelled (it throws
    /// `CancellationError` then) or `work` throws.
    static func every(_ interval: Duration, on clock: any WallClock, _ work: @Sendable () async throws -> Void) async throws {
        while true {
            try Task.checkCancellation()
            try await work()
            try await clock.sleep(for: interval)
        }
    }
}
