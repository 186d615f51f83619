import Foundation
import Testing
import UraGatewayTestSupport
import UraTestSupport
import UraTestTraits

/// `ura admin enrol --reload` signals the urad that holds the data directory's lock, and nobody
/// when no urad does, whatever pid a run/urad.json left behind names.
@Suite(.offThePool, .serialized) struct EnrolReloadTests {
    /// Keys and a certificate request for `agency`, then `ura admin enrol … --reload`.
    private static func enrol(_ s: Scenario, _ agency: String) throws -> (result: Processes.Result, cert: String, key: String) {
        let folder = s.root.appendingPathComponent(agency)
        #expect(try Processes.run("ura", ["keys", "generate", "--out", folder.path, "--agency", agency]).status == 0)
        let key = folder.appendingPathComponent("tls.key").path
        let csr = folder.appendingPathComponent("tls.csr").path
        let cert = folder.appendingPathComponent("tls.crt").path
        #expect(try Processes.run("ura", ["cert", "request", "--agency", agency, "--key", key, "--out", csr]).status == 0)
        let result = try Processes.run("ura", ["admin", "enrol", "--data-dir", s.data.path, "--csr", csr, "--kind", "police", "--name", agency,
                                               "--keys", folder.appendingPathComponent("keys.json").path, "--out", cert, "--reload"])
        return (result, cert, key)
    }

    /// True when `pid` has a SIGHUP pending (sent, and blocked by the process).
    private static func hangUpPending(_ pid: pid_t) -> Bool {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("ShdPnd:") }
        let mask = line.flatMap { UInt64($0.dropFirst("ShdPnd:".count).trimmingCharacters(in: .whitespaces), radix: 16) } ?? 0
        return mask & (1 << (UInt64(SIGHUP) - 1)) != 0
    }

    @Test(.timeLimit(.minutes(3))) func theReloadGoesToTheUradHoldingTheLockAndNowhereElse() async throws {
        let s = try await Scenario.start()
        // urad runs: it is signalled, and takes the new agency.
        let enrolled = try Self.enrol(s, "al.police.new-one")
        #expect(enrolled.result.status == 0, "\(enrolled.result.stderr)")
        #expect(enrolled.result.stdout.contains("urad (pid \(s.daemon.process.pid)) reloads the directory"), "\(enrolled.result.stdout)")
        var status = 0
        for _ in 0..<200 where status != 200 {
            status = try s.curl(nil, "GET", "/v1/inbox", extra: ["--cert", enrolled.cert, "--key", enrolled.key]).status
        }
        #expect(status == 200)

        // urad killed: its urad.json stays behind, and its pid may by now be another process's.
        s.daemon.process.signal(SIGKILL)
        s.daemon.process.wait()
        let bystander = try ChildProcess("/bin/cat", [], withInput: true)
        let state = s.data.appendingPathComponent("run/urad.json")
        #expect(FileManager.default.fileExists(atPath: state.path))
        try Data(#"{"pid":\#(bystander.pid),"port":1,"admin_port":null,"admin_host":"127.0.0.1"}"#.utf8).write(to: state)

        let refused = try Self.enrol(s, "al.police.new-two").result
        #expect(refused.status == 69, "\(refused)")
        #expect(refused.stderr.contains("urad does not run on \(s.data.path)"), "\(refused.stderr)")
        // The bystander was not signalled: no hang-up waits for it (children of a test's thread
        // may start with signals blocked, where a SIGHUP would stay pending rather than end it),
        // and it ends by itself, at the end of its input.
        #expect(!Self.hangUpPending(bystander.pid))
        try bystander.input?.close()
        #expect(bystander.wait() == 0)
        await s.close()
    }
}
