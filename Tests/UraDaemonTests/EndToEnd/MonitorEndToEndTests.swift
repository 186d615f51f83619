import Foundation
import Testing
import UraGatewayTestSupport
import UraTestTraits

/// The monitor over real TLS with the real urad: the secretariat's JSON API and `ura status`,
/// refused to other agencies, and /metrics on the admin listener (plain HTTP on loopback).
@Suite(.offThePool, .serialized) struct MonitorEndToEndTests {
    @Test(.timeLimit(.minutes(3))) func theSecretariatMonitorsDeliveryAndOthersCannot() async throws {
        let s = try await Scenario.start()
        let marker = "MARKER-\(UUID().uuidString)"
        let formFile = s.root.appendingPathComponent("found.json")
        try Data(try s.example("return.found-abroad", caseReference: "AL-2026-000301", marker: marker).serialized()).write(to: formFile)
        let sent = try s.ura("al.mepj.mission.gr-athens", ["send", formFile.path, "--type", "return.found-abroad", "--to", "al.mpb.secretariat",
                                                           "--case", "AL-2026-000301", "--subject", "child"])
        #expect(sent.status == 0, "\(sent.stderr)")

        let overview = try s.curl("al.mpb.secretariat", "GET", "/v1/monitor/overview")
        #expect(overview.status == 200)
        let secretariat = overview.body?["agencies"]?.arrayValue?.first { $0["agency"] == "al.mpb.secretariat" }
        #expect(secretariat?["pending"] == 1, "\(String(describing: overview.body))")
        #expect(overview.body?["deadlines"]?["open"] == 1)  // the assessment request, due the same day

        let messages = try s.curl("al.mpb.secretariat", "GET", "/v1/monitor/messages?case=AL-2026-000301")
        #expect(messages.status == 200 && messages.body?["messages"]?.arrayValue?.first?["type"] == "return.found-abroad")
        #expect(try s.curl("al.mpb.secretariat", "GET", "/v1/monitor/deadlines").body?["deadlines"]?.arrayValue?.count == 1)
        for path in ["/v1/monitor/agencies", "/v1/monitor/dead-letters", "/v1/monitor/ledger"] {
            #expect(try s.curl("al.mpb.secretariat", "GET", path).status == 200, "\(path)")
        }
        let verified = try s.curl("al.mpb.secretariat", "POST", "/v1/monitor/ledger/verify")
        #expect(verified.status == 200 && verified.body?["last_verification"]?["intact"] == true)

        // Bad input and other agencies.
        let badState = try s.curl("al.mpb.secretariat", "GET", "/v1/monitor/messages?state=lost")
        #expect(badState.status == 400 && badState.body?["type"] == "https://ura.example/problems/invalid-request")
        let noSuchLetter = try s.curl("al.mpb.secretariat", "POST", "/v1/monitor/dead-letters/\(UUID().uuidString.lowercased())/al.shelter.qkpvt/redrive")
        #expect(noSuchLetter.status == 404 || noSuchLetter.status == 409, "\(noSuchLetter)")
        #expect(try s.curl("al.mpb.secretariat", "DELETE", "/v1/monitor/overview").status == 405)
        #expect(try s.curl("al.police.dvp-tirane", "GET", "/v1/monitor/overview").status == 403)
        #expect(try s.curl("al.krat.tirane", "GET", "/v1/monitor/overview").status == 403)

        // `ura status` without an id: the overview in a terminal; refused to others.
        let status = try s.ura("al.mpb.secretariat", ["status"])
        #expect(status.status == 0, "\(status.stderr)")
        #expect(status.stdout.contains("deadlines: 0 overdue, 1 open") && status.stdout.contains("al.mpb.secretariat"), "\(status.stdout)")
        #expect(try s.ura("al.police.dvp-tirane", ["status"]).status == 77)

        // /metrics on the admin listener, without a client certificate, only on loopback.
        let adminPort = try #require(s.daemon.adminPort)
        let metrics = try Processes.run("/usr/bin/curl", ["-sS", "http://127.0.0.1:\(adminPort)/metrics"])
        #expect(metrics.stdout.contains("ura_messages_accepted_total{type=\"return.found-abroad\"} 1"))
        #expect(metrics.stdout.contains("ura_deadlines_open 1"))
        #expect(!metrics.stdout.contains(marker) && !metrics.stdout.contains("AL-2026"))

        // The dashboard's one-time login link, from the token file urad wrote.
        let link = try Processes.run("ura", ["admin", "login-link", "--data-dir", s.data.path])
        #expect(link.status == 0 && link.stdout.hasPrefix("http://127.0.0.1:\(adminPort)/login?token="), "\(link)")
        let url = link.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let login = try Processes.run("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", url])
        #expect(login.stdout == "303")
        #expect(try Processes.run("/usr/bin/curl", ["-sS", "-o", "/dev/null", "-w", "%{http_code}", url]).stdout == "403")
        // A folder where no urad runs: no link, whatever files lie there.
        #expect(try Processes.run("ura", ["admin", "login-link", "--data-dir", s.root.path]).status == 69)

        s.daemon.stop()
        #expect(try s.dataDirectoryContains(marker) == [])
        await s.close()
    }
}
