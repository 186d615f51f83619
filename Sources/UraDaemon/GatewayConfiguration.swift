import Foundation
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning
import UraStorePostgres
import UraStoreSQLite

/// Where urad keeps its store.
public enum StoreBackend: Sendable, Equatable {
    /// One SQLite file (`store.path`): one urad serves the country.
    case sqlite
    /// A PostgreSQL database (`store.url`, a libpq URL, multi-host with `target_session_attrs=read-write`
    /// for a standby that takes over): several urad nodes on one database.
    case postgres(url: String)
}

/// `urad`'s configuration: the defaults below, overlaid with the file (`--config`) and `URA_…`
/// environment variables (see `ConfigurationDocument`). Relative paths are inside `data_dir`.
/// `deploy/urad.example.json` explains every option.
public struct GatewayConfiguration: Sendable {
    public static let defaults: JSONValue = [
        "data_dir": "./ura-data",
        "gateway": ["id": "al.ura.gateway", "name": "Ura gateway"],
        "listen": ["host": "127.0.0.1", "port": 8443],
        "admin": ["enabled": true, "host": "127.0.0.1", "port": 8444],
        "tls": ["certificate": "gateway/tls.crt", "private_key": "gateway/tls.key", "client_ca": "ca/ca.crt", "push_ca": "ca/ca.crt"],
        "keys": ["signing": "gateway/signing.key"],
        "directory": "directory.json",
        "schemas": "",
        "holidays": "",
        "store": ["backend": "sqlite", "path": "ura.sqlite", "commit_delay_microseconds": 1000, "url": ""],
        "http": ["event_loops": 2, "max_connections": 4096, "max_body_bytes": 10_485_760, "max_header_bytes": 32_768,
                 "header_timeout_seconds": 10, "body_timeout_seconds": 30, "idle_timeout_seconds": 60,
                 "unverified_idle_timeout_seconds": 10],
        "intake": ["clock_skew_seconds": 300, "max_age_days": 14, "max_lifetime_days": 400],
        "delivery": ["concurrency": 32, "per_recipient": 4, "lease_seconds": 120, "connect_timeout_seconds": 10, "timeout_seconds": 30,
                     "retry_initial_seconds": 2, "retry_max_seconds": 900, "max_attempts": 30, "redrive_window_hours": 72],
        "inbox": ["lease_seconds": 300, "max_wait_seconds": 60, "max_batch": 100, "max_batch_bytes": 16_777_216],
        "retention": ["body_days": 30],
        "ledger": ["checkpoint_minutes": 60],
        "deadlines": ["check_seconds": 60],
        "alerts": ["unreachable_minutes": 30],
        "federation": ["directory_validity_hours": 24, "sync_seconds": 300],
        "log_level": "info",
    ]

    public var dataDirectory: URL
    public var gatewayID: AgencyID
    public var gatewayName: String
    public var listenHost: String
    public var listenPort: Int
    public var adminEnabled: Bool
    public var adminHost: String
    public var adminPort: Int
    public var tlsCertificate: URL
    public var tlsPrivateKey: URL
    public var clientCA: URL
    public var pushCA: URL
    public var signingKey: URL
    public var directoryFile: URL
    public var schemas: URL?
    public var holidays: URL?
    public var storePath: URL
    /// Which store urad opens: the SQLite file at `storePath` (the default) or a PostgreSQL database.
    public var storeBackend: StoreBackend
    /// How long the store's writer lets a batch gather under load (`SQLiteStore.Options.commitDelay`).
    public var commitDelay: Duration
    public var eventLoops: Int
    public var maxConnections: Int
    public var maxBodyBytes: Int
    public var maxHeaderBytes: Int
    public var headerTimeout: Duration
    public var bodyTimeout: Duration
    public var idleTimeout: Duration
    /// The idle timeout of a connection without a client certificate that verified.
    public var unverifiedIdleTimeout: Duration
    public var gateway: Gateway.Settings
    public var pushConnectTimeout: Duration
    public var pushTimeout: Duration
    public var deadlineCheck: Duration
    public var logLevel: Logger.Level
    /// How often each peer gateway's signed directory is fetched (federation).
    public var peerSync: Duration
    /// The folder of the peer gateways' CAs and last good directories (`peers/<peer-id>/`).
    public var peersDirectory: URL { dataDirectory.appendingPathComponent("peers") }

    /// Defaults, then `file` (if any), then the environment; every problem names its option.
    public static func load(file: URL?, environment: [String: String] = ProcessInfo.processInfo.environment,
                            dataDirectory override: String? = nil) throws(ConfigurationError) -> GatewayConfiguration {
        var document = ConfigurationDocument(defaults: defaults)
        if let file { try document.overlay(file: file) }
        try document.overlay(environment: environment)
        return try GatewayConfiguration(document.value, dataDirectory: override)
    }

    init(_ json: JSONValue, dataDirectory override: String?) throws(ConfigurationError) {
        let reader = Reader(json: json)
        let dataDirText: String
        if let override { dataDirText = override } else { dataDirText = try reader.string("data_dir") }
        let dataDir = URL(fileURLWithPath: dataDirText, isDirectory: true).standardized
        dataDirectory = dataDir
        func path(_ option: String, optional: Bool = false) throws(ConfigurationError) -> URL? {
            let text = try reader.string(option)
            if text.isEmpty {
                if optional { return nil }
                throw ConfigurationError(option: option, reason: "must name a file")
            }
            return text.hasPrefix("/") ? URL(fileURLWithPath: text) : dataDir.appendingPathComponent(text)
        }
        let idText = try reader.string("gateway.id")
        if let problem = AgencyID.problem(with: idText) {
            throw ConfigurationError(option: "gateway.id", reason: "'\(idText)' is not a valid agency id: \(problem)")
        }
        gatewayID = AgencyID(validated: idText)
        gatewayName = try reader.string("gateway.name")
        listenHost = try reader.string("listen.host")
        listenPort = try reader.int("listen.port", 0...65535)
        adminEnabled = try reader.bool("admin.enabled")
        adminHost = try reader.string("admin.host")
        adminPort = try reader.int("admin.port", 0...65535)
        tlsCertificate = try path("tls.certificate")!
        tlsPrivateKey = try path("tls.private_key")!
        clientCA = try path("tls.client_ca")!
        pushCA = try path("tls.push_ca")!
        signingKey = try path("keys.signing")!
        directoryFile = try path("directory")!
        schemas = try path("schemas", optional: true)
        holidays = try path("holidays", optional: true)
        storePath = try path("store.path")!
        switch try reader.string("store.backend") {
        case "sqlite":
            storeBackend = .sqlite
        case "postgres":
            let url = try reader.string("store.url")
            guard !url.isEmpty else {
                throw ConfigurationError(option: "store.url", reason: "must be a PostgreSQL connection URL (postgresql://user@host:5432/ura) when store.backend is postgres")
            }
            if let problem = PostgresURL.problem(url) {
                throw ConfigurationError(option: "store.url", reason: "is not a valid PostgreSQL connection URL: \(problem)")
            }
            storeBackend = .postgres(url: url)
        case let other:
            throw ConfigurationError(option: "store.backend", reason: "must be sqlite or postgres, not '\(other)'")
        }
        commitDelay = .microseconds(try reader.int("store.commit_delay_microseconds", 0...100_000))
        eventLoops = try reader.int("http.event_loops", 1...64)
        maxConnections = try reader.int("http.max_connections", 16...1_000_000)
        maxBodyBytes = try reader.int("http.max_body_bytes", 1024...(1 << 30))
        maxHeaderBytes = try reader.int("http.max_header_bytes", 1024...(1 << 20))
        headerTimeout = .seconds(try reader.int("http.header_timeout_seconds", 1...3600))
        bodyTimeout = .seconds(try reader.int("http.body_timeout_seconds", 1...3600))
        idleTimeout = .seconds(try reader.int("http.idle_timeout_seconds", 1...86_400))
        unverifiedIdleTimeout = .seconds(try reader.int("http.unverified_idle_timeout_seconds", 1...86_400))
        var settings = Gateway.Settings()
        settings.intake = IntakeSettings(maxMessageBytes: maxBodyBytes, clockSkew: .seconds(try reader.int("intake.clock_skew_seconds", 1...86_400)),
                                         maxAge: .seconds(try reader.int("intake.max_age_days", 1...365) * 86_400),
                                         maxLifetime: .seconds(try reader.int("intake.max_lifetime_days", 1...3650) * 86_400))
        settings.delivery = DeliverySettings(
            concurrency: try reader.int("delivery.concurrency", 1...1024), perRecipient: try reader.int("delivery.per_recipient", 1...256),
            lease: .seconds(try reader.int("delivery.lease_seconds", 5...86_400)),
            retry: RetryPolicy(initialDelay: .seconds(try reader.int("delivery.retry_initial_seconds", 1...3600)),
                               maximumDelay: .seconds(try reader.int("delivery.retry_max_seconds", 1...86_400)),
                               maximumAttempts: try reader.int("delivery.max_attempts", 1...10_000)),
            redriveWindow: .seconds(try reader.int("delivery.redrive_window_hours", 1...8760) * 3600))
        settings.inbox = Inbox.Settings(lease: .seconds(try reader.int("inbox.lease_seconds", 5...86_400)),
                                        maxWait: .seconds(try reader.int("inbox.max_wait_seconds", 0...3600)),
                                        maxBatch: try reader.int("inbox.max_batch", 1...1000),
                                        maxBatchBytes: try reader.int("inbox.max_batch_bytes", 65_536...1_073_741_824))
        settings.keepBodies = .seconds(try reader.int("retention.body_days", 1...36_500) * 86_400)
        settings.checkpointEvery = .seconds(try reader.int("ledger.checkpoint_minutes", 1...10_080) * 60)
        settings.alertAfterUnreachable = .seconds(try reader.int("alerts.unreachable_minutes", 1...10_080) * 60)
        settings.directoryValidity = .seconds(try reader.int("federation.directory_validity_hours", 1...8760) * 3600)
        gateway = settings
        peerSync = .seconds(try reader.int("federation.sync_seconds", 1...86_400))
        pushConnectTimeout = .seconds(try reader.int("delivery.connect_timeout_seconds", 1...600))
        pushTimeout = .seconds(try reader.int("delivery.timeout_seconds", 1...3600))
        deadlineCheck = .seconds(try reader.int("deadlines.check_seconds", 1...3600))
        let level = try reader.string("log_level")
        guard let parsed = Logger.Level(name: level) else {
            throw ConfigurationError(option: "log_level", reason: "'\(level)' is not debug, info, warning or error")
        }
        logLevel = parsed
    }

    /// Reads typed options by dotted path, with errors that name them.
    private struct Reader {
        let json: JSONValue

        func value(_ option: String) throws(ConfigurationError) -> JSONValue {
            var current = json
            for key in option.split(separator: ".") {
                guard let next = current[String(key)] else { throw ConfigurationError(option: option, reason: "is missing") }
                current = next
            }
            return current
        }

        func string(_ option: String) throws(ConfigurationError) -> String {
            guard let text = try value(option).stringValue else { throw ConfigurationError(option: option, reason: "must be a string") }
            return text
        }

        func int(_ option: String, _ range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
            guard let number = try value(option).intValue else { throw ConfigurationError(option: option, reason: "must be a whole number") }
            guard range.contains(number) else {
                throw ConfigurationError(option: option, reason: "must be from \(range.lowerBound) to \(range.upperBound), not \(number)")
            }
            return number
        }

        func bool(_ option: String) throws(ConfigurationError) -> Bool {
            guard let flag = try value(option).boolValue else { throw ConfigurationError(option: option, reason: "must be true or false") }
            return flag
        }
    }
}
