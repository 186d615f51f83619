import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraModel
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestSupport
import UraTestTraits

/// One urad per data directory: the second stops at once, names the first, and changes nothing.
@Suite(.offThePool) struct DataDirectoryLockTests {
    private static func demo() throws -> (root: URL, data: URL) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-lock-\(UUID().uuidString)")
        let data = root.appendingPathComponent("data")
        try DemoSetup.create(in: data, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura", gatewayURL: "https://127.0.0.1:1")
        return (root, data)
    }

    /// Starts urad on `data` (on free ports, so only the lock can stop it). Its exit status and
    /// standard error when it stops by itself; nil when it started listening instead (it is then
    /// stopped again).
    private static func startExpectingRefusal(_ data: URL) throws -> (status: Int32, stderr: String)? {
        let process = try ChildProcess(Processes.products.appendingPathComponent("urad").path, ["--data-dir", data.path],
                                       environment: ["URA_LISTEN__PORT": "0", "URA_ADMIN__PORT": "0", "URA_LOG_LEVEL": "warning"])
        var seen = ""
        while true {
            let chunk = process.output.availableData
            if chunk.isEmpty { break }
            seen += String(decoding: chunk, as: UTF8.self)
            if seen.contains("listening on https://") {
                process.signal(SIGTERM)
                process.wait()
                return nil
            }
        }
        let status = process.wait()
        return (status, String(decoding: process.errors.readDataToEndOfFile(), as: UTF8.self))
    }

    @Test(.timeLimit(.minutes(3))) func aSecondUradOnTheSameDataDirectoryStopsAtOnceNamingTheFirst() async throws {
        let (root, data) = try Self.demo()
        defer { try? FileManager.default.removeItem(at: root) }
        let first = try await RunningDaemon.start(dataDirectory: data)
        defer { first.stop() }
        let lock = DataDirectoryLock.file(in: data)
        #expect((try? String(contentsOf: lock, encoding: .utf8)) == "\(first.process.pid)\n")
        #expect((try? FileManager.default.attributesOfItem(atPath: lock.path))?[.posixPermissions] as? Int == 0o600)

        // The first urad's own background work writes its store meanwhile; nothing else may change.
        let before = try DirectoryListing(data, excluding: ["ura.sqlite"])
        let second = try Self.startExpectingRefusal(data)
        #expect(second != nil, "a second urad started on the same data directory")
        if let second {
            #expect(second.status != 0)
            #expect(second.stderr.hasPrefix("urad: ") && second.stderr.contains("another urad (pid \(first.process.pid)) already runs on the data directory"),
                    "\(second.stderr)")
        }
        let after = try DirectoryListing(data, excluding: ["ura.sqlite"])
        #expect(after == before, "\(after.difference(from: before))")
        #expect(first.process.isRunning)
    }

    /// Whoever holds the lock, urad touches nothing before it has it: no store, no token, no
    /// run/urad.json, no pid of its own in the lock file.
    @Test(.timeLimit(.minutes(3))) func uradChangesNothingWhenTheLockIsHeld() throws {
        let (root, data) = try Self.demo()
        defer { try? FileManager.default.removeItem(at: root) }
        let held = try DataDirectoryLock.acquire(in: data)
        let before = try DirectoryListing(data)
        let refused = try Self.startExpectingRefusal(data)
        #expect(refused != nil, "urad started although another process holds \(held.file.path)")
        if let refused {
            #expect(refused.status != 0 && refused.stderr.contains("pid \(getpid())"), "\(refused.stderr)")
        }
        let after = try DirectoryListing(data)
        #expect(after == before, "\(after.difference(from: before))")
        let holder = try DataDirectoryLock.holder(of: data)
        #expect(holder == getpid())
        withExtendedLifetime(held) {}
    }
}
