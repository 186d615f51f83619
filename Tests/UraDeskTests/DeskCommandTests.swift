import Foundation
import Testing
import UraGatewayTestSupport
import UraTestSupport
import UraTestTraits

/// `ura desk` as a person starts it: one line with a one-time link, a listener on 127.0.0.1 that
/// curl reaches, refusing a foreign Host and a reused link.
@Suite(.offThePool) struct DeskCommandTests {
    /// The first line the child prints (read off the cooperative pool).
    static func firstLine(_ process: ChildProcess) async throws -> String {
        try await Processes.offPool {
            var bytes: [UInt8] = []
            while !bytes.contains(0x0A) {
                let data = process.output.availableData
                if data.isEmpty { break }
                bytes += data
            }
            return String(decoding: bytes, as: UTF8.self)
        }
    }

    static func curl(_ arguments: [String]) async throws -> String {
        try await Processes.runOffPool("/usr/bin/curl", ["-s", "-o", "/dev/null", "-w", "%{http_code} %header{set-cookie}"] + arguments).stdout
    }

    @Test(.timeLimit(.minutes(2))) func theDeskPrintsOneLinkThatWorksOnceOnLoopbackOnly() async throws {
        let demo = try OfflineDemo()
        let profile = demo.agencyFolder("al.mepj.mission.gr-athens").appendingPathComponent("profile.json").path
        let process = try ChildProcess(Processes.products.appendingPathComponent("ura").path, ["--profile", profile, "--schemas", demo.schemas.path, "desk"])
        ChildProcess.discard(process.errors)
        defer {
            process.signal(SIGTERM)
            _ = process.wait()
        }
        let line = try await Self.firstLine(process)
        let match = try #require(line.wholeMatch(of: /desk: (http:\/\/127\.0\.0\.1:(\d+))\/\?token=([A-Za-z0-9_-]{43})\n/), "\(line)")
        let base = String(match.1), port = String(match.2)
        // A name rebound to 127.0.0.1 is refused even with the right link.
        #expect(try await Self.curl(["-H", "Host: evil.example:\(port)", "\(base)/?token=\(match.3)"]).hasPrefix("403"))
        let login = try await Self.curl(["\(base)/?token=\(match.3)"])
        #expect(login.hasPrefix("303 ura_desk_\(port)=") && login.contains("HttpOnly") && login.contains("SameSite=Strict"), "\(login)")
        #expect(try await Self.curl(["\(base)/?token=\(match.3)"]).hasPrefix("403"), "the link works once")
        let cookie = String(login.dropFirst(4).split(separator: ";")[0])
        #expect(try await Self.curl(["-H", "Cookie: \(cookie)", "\(base)/outbox"]).hasPrefix("200"))
        #expect(try await Self.curl(["-H", "Cookie: \(cookie)", "\(base)/outbox", "-X", "POST", "-d", "csrf=wrong"]).hasPrefix("403"))
        #expect(process.isRunning)
    }
}
