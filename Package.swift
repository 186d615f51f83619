// swift-tools-version:6.0
// Ura: the message exchange gateway of the national referral mechanism against trafficking.
// No package dependencies: the toolchain plus Debian's C libraries through system-library targets.
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "Ura",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "urad", targets: ["urad"]),
        .executable(name: "ura", targets: ["ura"]),
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

        // Libraries, bottom up.
        .target(name: "UraJSON", swiftSettings: strict),
        .target(name: "UraModel", dependencies: ["UraJSON"], swiftSettings: strict),
        .target(name: "UraSchema", dependencies: ["UraJSON", "UraModel"], exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraCrypto", dependencies: ["COpenSSL", "UraJSON"], swiftSettings: strict),
        .target(name: "UraStore", dependencies: ["CSQLite", "UraJSON", "UraModel"], swiftSettings: strict),
        .target(name: "UraHTTP", dependencies: ["COpenSSL", "CCurl"], exclude: ["README.md"], swiftSettings: strict),
        .target(name: "UraGateway",
                dependencies: ["UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraStore", "UraHTTP"],
                swiftSettings: strict),

        // Executables.
        .executableTarget(name: "urad", dependencies: ["UraGateway", "UraCrypto"], swiftSettings: strict),
        .executableTarget(name: "ura", dependencies: ["UraGateway", "UraCrypto"], swiftSettings: strict),
        // In-process benchmarks: `swift run -c release ura-bench <suite>`; scripts in Benchmarks/.
        .executableTarget(name: "ura-bench",
                          dependencies: ["UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraStore", "UraHTTP", "UraGateway"],
                          path: "Benchmarks/ura-bench", swiftSettings: strict),

        // Test support: processes the tests start (the crash-safety child, …).
        .executableTarget(name: "ura-testkit",
                          dependencies: ["UraJSON", "UraModel", "UraSchema", "UraCrypto", "UraStore", "UraGateway"],
                          path: "Tests/TestKit", swiftSettings: strict),

        // Tests mirror the modules.
        // Spawning the real binaries from tests (posix_spawn; see ChildProcess.swift for why not Foundation.Process).
        .target(name: "UraTestSupport", path: "Tests/Support", swiftSettings: strict),
        .testTarget(name: "UraJSONTests", dependencies: ["UraJSON"], swiftSettings: strict),
        .testTarget(name: "UraModelTests", dependencies: ["UraModel"], swiftSettings: strict),
        .testTarget(name: "UraSchemaTests", dependencies: ["UraSchema", "UraModel", "UraJSON"], swiftSettings: strict),
        .testTarget(name: "UraCryptoTests", dependencies: ["UraCrypto", "UraTestSupport"], swiftSettings: strict),
        .testTarget(name: "UraStoreTests", dependencies: ["UraStore", "COpenSSL"], swiftSettings: strict),
        .testTarget(name: "UraHTTPTests", dependencies: ["UraHTTP", "COpenSSL", "UraJSON", "UraTestSupport"], swiftSettings: strict),
        .testTarget(name: "UraGatewayTests", dependencies: ["UraGateway", "UraCrypto", "UraStore", "UraSchema", "UraModel", "UraJSON", "UraTestSupport"], swiftSettings: strict),
    ]
)
