// swift-tools-version:6.0
// Ura: the message exchange gateway of the national referral mechanism against trafficking.
// No package dependencies: the toolchain plus Debian's C libraries through system-library targets.
//
// The module graph (docs/architecture.md draws it): interfaces apart from implementations, so
// that importing the Store protocol links no SQLite and importing the HTTP types links no server.
// `ura` links neither SQLite nor the gateway. `scripts/test` builds with
// `--explicit-target-dependency-import-check=error`, so an import the graph does not allow fails.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Ura",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "urad", targets: ["urad"]),
        .executable(name: "ura", targets: ["ura"]),
        .executable(name: "ura-admin", targets: ["ura-admin"]),
    ],
    targets: [
        // System libraries: a module map and a shim header each, nothing else.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL", pkgConfig: "openssl",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CSQLite", path: "Sources/CSQLite", pkgConfig: "sqlite3",
                       providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(name: "CCurl", path: "Sources/CCurl", pkgConfig: "libcurl",
                       providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ", pkgConfig: "libpq",
                       providers: [.apt(["libpq-dev"])]),

        // Foundations: the few conversions every module needs, values, JSON, schemas, cryptography.
        .target(name: "UraBasics", exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraJSON", exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraModel", dependencies: ["UraBasics", "UraJSON"], exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraSchema", dependencies: ["UraBasics", "UraJSON", "UraModel"], exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraCrypto", dependencies: ["COpenSSL", "UraBasics", "UraJSON"], exclude: ["README.md"], swiftSettings: strict),
        // What both ends of the wire agree on.
        .target(name: "UraProtocol", dependencies: ["UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto"],
                exclude: ["README.md"], swiftSettings: strict),

        // HTTP: the values, the server, the client.
        .target(name: "UraHTTPCore", dependencies: ["UraBasics"], exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraHTTPServer", dependencies: ["UraBasics", "UraHTTPCore", "UraCrypto", "COpenSSL"], exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraHTTPClient", dependencies: ["UraBasics", "UraHTTPCore", "CCurl"], exclude: ["README.md"], swiftSettings: strict),

        // Storage: the protocol, then the backends.
        .target(name: "UraStore", dependencies: ["UraBasics", "UraJSON", "UraModel", "UraProtocol"], exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraStoreSQLite", dependencies: ["UraBasics", "UraStore", "UraJSON", "UraModel", "UraProtocol", "CSQLite"],
                exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraStorePostgres", dependencies: ["UraBasics", "UraStore", "UraJSON", "UraModel", "UraProtocol", "CLibPQ"],
                exclude: ["README.md"], swiftSettings: strict),

        // The gateway: core, HTTP edge, daemon.
        .target(name: "UraGatewayCore",
                dependencies: ["UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraStore"],
                exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraGatewayAPI",
                dependencies: ["UraBasics", "UraJSON", "UraModel", "UraCrypto", "UraProtocol", "UraStore", "UraGatewayCore", "UraHTTPCore", "UraHTTPServer"],
                exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraDaemon",
                dependencies: ["UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraStore", "UraStoreSQLite", "UraStorePostgres",
                               "UraGatewayCore", "UraGatewayAPI", "UraHTTPCore", "UraHTTPServer", "UraHTTPClient", "UraProvisioning",
                               "UraFederation"],
                exclude: ["README.md"], swiftSettings: strict),
        // Federation: peer gateways as a delivery transport (docs/federation.md).
        .target(name: "UraFederation",
                dependencies: ["UraBasics", "UraJSON", "UraModel", "UraCrypto", "UraProtocol", "UraStore", "UraGatewayCore",
                               "UraHTTPCore", "UraHTTPClient"],
                exclude: ["README.md"], swiftSettings: strict),

        // The agency's side: client library, provisioning, command line.
        .target(name: "UraClient", dependencies: ["UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraHTTPCore", "UraHTTPClient"],
                exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraProvisioning", dependencies: ["UraBasics", "UraJSON", "UraModel", "UraCrypto", "UraProtocol", "UraHTTPCore"],
                exclude: ["README.md"], swiftSettings: strict),
        // `ura desk`: the same client as a local web page (127.0.0.1 only), forms drawn from the schemas.
        .target(name: "UraDesk", dependencies: ["UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraClient", "UraHTTPCore", "UraHTTPServer"],
                exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraCLI", dependencies: ["UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraClient", "UraProvisioning", "UraDesk"],
                exclude: ["README.md"], swiftSettings: strict),

        // Executables, thin.
        .executableTarget(name: "urad", dependencies: ["UraBasics", "UraDaemon", "UraCrypto"], swiftSettings: strict),
        .executableTarget(name: "ura", dependencies: ["UraBasics", "UraCLI", "UraCrypto"], swiftSettings: strict),
        .executableTarget(name: "ura-admin", dependencies: ["UraDaemon"], swiftSettings: strict),

        // Benchmarks: the HTTPS load generator (also used by tests) and `swift run -c release ura-bench <suite>`.
        .target(name: "UraLoad", dependencies: ["UraBasics", "UraHTTPCore", "UraHTTPServer", "UraCrypto", "COpenSSL"], path: "Benchmarks/UraLoad",
                exclude: ["README.md"], swiftSettings: strict),
        .executableTarget(name: "ura-bench",
                          dependencies: ["UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraStore", "UraStoreSQLite",
                                         "UraHTTPCore", "UraHTTPServer", "UraHTTPClient", "UraGatewayCore", "UraGatewayAPI", "UraDaemon",
                                         "UraClient", "UraProvisioning", "UraLoad", "UraStorePostgres"],
                          path: "Benchmarks/ura-bench", swiftSettings: strict),

        // Test support: spawning the real binaries (posix_spawn; see ChildProcess.swift), a test
        // clock, seeded random numbers; and the processes the tests start (the crash-safety child, …).
        .target(name: "UraTestSupport", dependencies: ["UraBasics", "UraModel"], path: "Tests/Support", swiftSettings: strict),
        // A Swift Testing trait every suite carries: tests run on threads of their own, off the cooperative pool.
        .target(name: "UraTestTraits", dependencies: ["UraBasics"], path: "Tests/Traits", swiftSettings: strict),
        // What the HTTP tests share: a test PKI made with the openssl CLI, a server on an ephemeral
        // port, a raw socket client that sends exactly the bytes a test gives it.
        .target(name: "UraHTTPTestSupport", dependencies: ["UraHTTPCore", "UraHTTPServer", "COpenSSL", "UraTestSupport"],
                path: "Tests/HTTPTestSupport", swiftSettings: strict),
        // The store conformance suite: what every Store backend must do, run by each backend's test
        // target against its own storage (Sources/UraStore/README.md).
        .target(name: "UraStoreConformance", dependencies: ["UraBasics", "UraJSON", "UraModel", "UraCrypto", "UraProtocol", "UraStore"],
                path: "Tests/StoreConformance", swiftSettings: strict),
        .executableTarget(name: "ura-testkit",
                          dependencies: ["UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraStore", "UraStoreSQLite",
                                         "UraGatewayCore", "UraGatewayAPI", "UraDaemon", "UraClient", "UraProvisioning", "UraHTTPCore", "UraTestSupport"],
                          path: "Tests/TestKit", swiftSettings: strict),

        // Tests mirror the modules.
        .testTarget(name: "UraJSONTests", dependencies: ["UraTestTraits", "UraBasics", "UraJSON"], swiftSettings: strict),
        .testTarget(name: "UraModelTests", dependencies: ["UraTestTraits", "UraBasics", "UraModel"], swiftSettings: strict),
        .testTarget(name: "UraSchemaTests", dependencies: ["UraTestTraits", "UraBasics", "UraSchema", "UraModel", "UraJSON"], swiftSettings: strict),
        .testTarget(name: "UraCryptoTests", dependencies: ["UraTestTraits", "UraBasics", "UraCrypto", "UraTestSupport"], swiftSettings: strict),
        .testTarget(name: "UraProtocolTests", dependencies: ["UraTestTraits", "UraBasics", "UraJSON", "UraModel", "UraCrypto", "UraProtocol"], swiftSettings: strict),
        .testTarget(name: "UraStoreSQLiteTests",
                    dependencies: ["UraTestTraits", "UraBasics", "UraJSON", "UraModel", "UraCrypto", "UraProtocol", "UraStore", "UraStoreSQLite", "UraStoreConformance"],
                    swiftSettings: strict),
        .testTarget(name: "UraHTTPServerTests", dependencies: ["UraTestTraits", "UraHTTPCore", "UraHTTPServer", "UraJSON", "COpenSSL", "UraTestSupport", "UraHTTPTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "UraHTTPClientTests", dependencies: ["UraTestTraits", "UraHTTPCore", "UraHTTPClient", "UraHTTPServer", "UraTestSupport", "UraHTTPTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "UraLoadTests", dependencies: ["UraTestTraits", "UraHTTPCore", "UraLoad", "UraHTTPTestSupport"], swiftSettings: strict),
        // What the gateway, daemon and CLI tests share: fixtures on a temporary gateway, the real
        // binaries as child processes, a push endpoint, scenarios.
        .target(name: "UraGatewayTestSupport", dependencies: ["UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraStore", "UraStoreSQLite", "UraHTTPCore", "UraHTTPServer", "UraHTTPClient", "UraGatewayCore", "UraGatewayAPI", "UraDaemon", "UraClient", "UraProvisioning", "UraCLI", "UraTestSupport"],
                path: "Tests/GatewaySupport", swiftSettings: strict),
        .testTarget(name: "UraBasicsTests", dependencies: ["UraTestTraits", "UraBasics"], swiftSettings: strict),
        .testTarget(name: "UraGatewayCoreTests", dependencies: ["UraTestTraits", "UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraStore", "UraStoreSQLite", "UraHTTPCore", "UraHTTPServer", "UraHTTPClient", "UraGatewayCore", "UraGatewayAPI", "UraDaemon", "UraClient", "UraProvisioning", "UraCLI", "UraTestSupport", "UraGatewayTestSupport"], swiftSettings: strict),
        .testTarget(name: "UraFederationTests", dependencies: ["UraTestTraits", "UraJSON", "UraModel", "UraCrypto", "UraProtocol", "UraHTTPCore", "UraHTTPServer", "UraGatewayCore", "UraFederation", "UraTestSupport", "UraHTTPTestSupport", "UraGatewayTestSupport", "UraStore"], swiftSettings: strict),
        .testTarget(name: "UraGatewayAPITests", dependencies: ["UraTestTraits", "UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraStore", "UraStoreSQLite", "UraHTTPCore", "UraHTTPServer", "UraHTTPClient", "UraGatewayCore", "UraGatewayAPI", "UraDaemon", "UraClient", "UraProvisioning", "UraCLI", "UraTestSupport", "UraGatewayTestSupport"], swiftSettings: strict),
        .testTarget(name: "UraDaemonTests", dependencies: ["UraTestTraits", "UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraStore", "UraStoreSQLite", "UraStorePostgres", "UraHTTPCore", "UraHTTPServer", "UraHTTPClient", "UraGatewayCore", "UraGatewayAPI", "UraDaemon", "UraClient", "UraProvisioning", "UraCLI", "UraTestSupport", "UraGatewayTestSupport", "UraPostgresTestSupport",
                                                       "UraStoreConformance"], swiftSettings: strict),
        .testTarget(name: "UraCLITests", dependencies: ["UraTestTraits", "UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraStore", "UraStoreSQLite", "UraHTTPCore", "UraHTTPServer", "UraHTTPClient", "UraGatewayCore", "UraGatewayAPI", "UraDaemon", "UraClient", "UraProvisioning", "UraCLI", "UraTestSupport", "UraGatewayTestSupport"], swiftSettings: strict),
        // A private PostgreSQL server (initdb + pg_ctl in a temporary directory, a free port) for the
        // PostgreSQL store's and the daemon's tests.
        .target(name: "UraPostgresTestSupport", dependencies: ["UraTestSupport"], path: "Tests/PostgresSupport", swiftSettings: strict),
        .testTarget(name: "UraStorePostgresTests",
                    dependencies: ["UraTestTraits", "UraBasics", "UraJSON", "UraModel", "UraProtocol", "UraStore", "UraStorePostgres", "UraStoreConformance",
                                   "UraPostgresTestSupport", "UraTestSupport"],
                    swiftSettings: strict),
        .testTarget(name: "UraProvisioningTests",
                    dependencies: ["UraTestTraits", "UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraProvisioning"],
                    swiftSettings: strict),
        .testTarget(name: "UraDeskTests",
                    dependencies: ["UraTestTraits", "UraBasics", "UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraProtocol", "UraClient", "UraHTTPCore", "UraHTTPServer",
                                   "UraDesk", "UraTestSupport", "UraGatewayTestSupport"],
                    swiftSettings: strict),
    ]
)
