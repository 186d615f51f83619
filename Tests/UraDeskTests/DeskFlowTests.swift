import Foundation
import Testing
import UraClient
@testable import UraDesk
import UraGatewayTestSupport
import UraHTTPCore
import UraJSON
import UraModel
import UraSchema
import UraTestSupport
import UraTestTraits

/// The desks of two agencies against a real urad: what the mission types arrives at the
/// secretariat as a form, is acknowledged once kept, and the mission sees it delivered; and what
/// is submitted while the gateway is down waits in the outbox and goes by itself, in order, once
/// for each message, when it is back.
@Suite(.offThePool, .serialized) struct DeskFlowTests {
    static let mission = "al.mepj.mission.gr-athens", secretariat = "al.mpb.secretariat"
    static let catalogue = try! MessageCatalogue(directory: MessageCatalogue.defaultDirectory())

    func desk(_ scenario: Scenario, _ agency: String, clock: any WallClock = SystemClock(), gatewayURL: String? = nil) throws -> DeskDriver {
        let profile = try AgencyProfile.load(scenario.agencyFolder(agency).appendingPathComponent("profile.json"))
        let connection = GatewayConnection(profile: profile, gatewayURL: gatewayURL ?? scenario.daemon.url, timeout: .seconds(60))
        return DeskDriver(try Desk(profile: profile, catalogue: Self.catalogue, clock: clock, connection: connection))
    }

    /// Runs `body` with a scenario (a real urad) and stops urad afterwards, also when `body` throws.
    func withScenario(_ body: (Scenario) async throws -> Void) async throws {
        let scenario = try await Scenario.start()
        do { try await body(scenario) } catch {
            await scenario.close()
            throw error
        }
        await scenario.close()
    }

    func kept(_ scenario: Scenario, _ agency: String) -> [String] {
        let folder = scenario.agencyFolder(agency).appendingPathComponent("state/outbox")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".jws") }.sorted()
    }

    @Test(.timeLimit(.minutes(3))) func aFormTypedAtTheMissionArrivesAsAFormAndIsDelivered() async throws {
        try await withScenario { scenario in
            let mission = try desk(scenario, Self.mission), secretariat = try desk(scenario, Self.secretariat)
            defer { mission.desk.close(); secretariat.desk.close() }
            try await mission.login()
            try await secretariat.login()

            let form = try scenario.example("return.found-abroad", caseReference: "AL-2026-000061", marker: "Deskmarker")
            let sent = await mission.request("POST", "/compose/return.found-abroad", body: try mission.compose("return.found-abroad", form: form, to: [Self.secretariat], caseReference: "AL-2026-000061"))
            #expect(sent.status == 303, "\(sent.text)")
            let id = try #require(sent.headers["Location"]?.split(separator: "=").last.map(String.init))
            #expect(kept(scenario, Self.mission).isEmpty, "accepted at once: nothing left in the outbox")
            #expect(await mission.request("GET", "/outbox").text.contains("accepted"))

            // The secretariat's desk fetches, verifies, decrypts, keeps, then acknowledges.
            #expect(await secretariat.desk.fetchInbox(wait: 20) == 1)
            let inbox = scenario.agencyFolder(Self.secretariat).appendingPathComponent("state/inbox")
            #expect(FileManager.default.fileExists(atPath: inbox.appendingPathComponent("\(id).jws").path), "the signed original is kept beside the form")
            let list = await secretariat.request("GET", "/inbox")
            #expect(list.text.contains(id) && list.text.contains("Njoftim për gjetjen"))
            let page = await secretariat.request("GET", "/inbox/\(id)")
            #expect(page.status == 200)
            #expect(page.text.contains("Gjetur më <span class=\"en\">/ Found on</span>") && page.text.contains("Deskmarker"), "shown as the form with its field titles")
            #expect(!page.text.contains("\"found_on\""), "not as JSON")
            let print = await secretariat.request("GET", "/inbox/\(id)/print")
            #expect(print.status == 200 && !print.text.contains("<nav"))
            #expect(await secretariat.desk.fetchInbox(wait: 0) == 0, "acknowledged: it does not come again")

            // The mission reads the secretariat's delivered receipt.
            #expect(await mission.desk.readReceipts() >= 1)
            let outbox = await mission.request("GET", "/outbox")
            #expect(outbox.text.contains("delivered"), "\(outbox.text)")
            let receipts = await mission.request("GET", "/receipts")
            #expect(receipts.text.contains(Self.secretariat))
            let casePage = await mission.request("GET", "/case/AL-2026-000061")
            #expect(casePage.status == 200 && casePage.text.contains("/sent/\(id)"))
            #expect(casePage.text.contains("only the secretariat may follow a case"), "the gateway's refusal, said plainly")
            // The secretariat follows the case: the gateway's timeline in words.
            let followed = await secretariat.request("GET", "/case/AL-2026-000061")
            #expect(followed.text.contains("Accepted") && followed.text.contains("Delivered to") && followed.text.contains("Ambasada e Shqipërisë në Athinë"),
                    "\(followed.text.suffix(2000))")
        }
    }

    @Test(.timeLimit(.minutes(3))) func theA1DeclarationIsAFormWithItsScanAttached() async throws {
        try await withScenario { scenario in
            let mission = try desk(scenario, Self.mission)
            defer { mission.desk.close() }
            try await mission.login()
            let page = await mission.request("GET", "/declaration")
            #expect(page.status == 200 && page.text.contains("enctype=\"multipart/form-data\"") && page.text.contains("for=\"f/declarant/name\""))
            let a1 = try MessageForm(type: try MessageType("identification.confidentiality-declaration"), catalogue: Self.catalogue)
            let example = try scenario.example("identification.confidentiality-declaration", caseReference: "AL-2026-000061")
            // What a browser posts: the fields, the CSRF token and the scan, as multipart/form-data.
            let boundary = "----desk\(UUID().uuidString.prefix(8))"
            var body: [UInt8] = []
            func part(_ name: String, _ value: [UInt8], filename: String? = nil) {
                body += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\(filename.map { "; filename=\"\($0)\"" } ?? "")\r\n".utf8)
                if filename != nil { body += Array("Content-Type: application/pdf\r\n".utf8) }
                body += Array("\r\n".utf8) + value + Array("\r\n".utf8)
            }
            part("csrf", Array((mission.csrf ?? "").utf8))
            for pair in a1.root.encode(example).pairs { part(pair.name, Array(pair.value.utf8)) }
            part("scan", Array("%PDF-1.4 scan of the signed A1\r\n--not a boundary".utf8), filename: "a1.pdf")
            part("action", Array("send".utf8))
            body += Array("--\(boundary)--\r\n".utf8)
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: "127.0.0.1:\(mission.port)")
            headers.add(name: "Origin", value: "http://127.0.0.1:\(mission.port)")
            headers.add(name: "Cookie", value: mission.cookie ?? "")
            headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
            let r = await mission.desk.handle(HTTPRequest(method: "POST", target: "/declaration", path: "/declaration", headers: headers, body: body))
            #expect(r.status == 200 && r.text.contains("The declaration is recorded for case AL-2026-000061 (a1.pdf, 48 B)"), "\(r.text)")
            // Elsewhere the desk takes no multipart post.
            headers.replaceOrAdd(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
            let elsewhere = await mission.desk.handle(HTTPRequest(method: "POST", target: "/compose/return.found-abroad", path: "/compose/return.found-abroad", headers: headers, body: body))
            #expect(elsewhere.status == 403)
            // The secretariat sees the declaration on the case, the declarant's name decrypted with its key.
            let secretariat = try desk(scenario, Self.secretariat)
            defer { secretariat.desk.close() }
            try await secretariat.login()
            let casePage = await secretariat.request("GET", "/case/AL-2026-000061")
            #expect(casePage.text.contains("Declaration A1") && casePage.text.contains("Interpreter") && casePage.text.contains("Mirela Kodra"),
                    "\(casePage.text.suffix(3000))")
        }
    }

    @Test(.timeLimit(.minutes(3))) func submittedWhileTheGatewayIsDownItIsSentByItselfInOrderOnceWhenItReturns() async throws {
        try await withScenario { scenario in
            let clock = TestClock(Date())
            // The mission fetched the directory once (it seals offline with the cached copy).
            let profile = try AgencyProfile.load(scenario.agencyFolder(Self.mission).appendingPathComponent("profile.json"))
            let online = GatewayConnection(profile: profile, gatewayURL: scenario.daemon.url)
            _ = try await online.directory()
            online.close()

            // The gateway cannot be reached: both forms are sealed and wait.
            let down = try desk(scenario, Self.mission, clock: clock, gatewayURL: "https://127.0.0.1:1")
            try await down.login()
            var ids: [String] = []
            for n in ["000061", "000062"] {
                let form = try scenario.example("return.found-abroad", caseReference: "AL-2026-\(n)")
                let r = await down.request("POST", "/compose/return.found-abroad", body: try down.compose("return.found-abroad", form: form, to: [Self.secretariat], caseReference: "AL-2026-\(n)"))
                #expect(r.status == 303, "\(r.text)")
                ids.append(try #require(r.headers["Location"]?.split(separator: "=").last.map(String.init)))
            }
            #expect(kept(scenario, Self.mission) == ids.map { "\($0).jws" })
            let waiting = await down.request("GET", "/outbox")
            #expect(waiting.text.contains("retrying") && waiting.text.contains("Last error"))
            down.desk.close()

            // The desk starts again (a restart keeps the outbox and its backoff); the gateway is back.
            let back = try desk(scenario, Self.mission, clock: clock)
            defer { back.desk.close() }
            let running = Task { await back.desk.run(interval: .seconds(600)) }
            defer { running.cancel() }
            // Its first pass respects the backoff, then it waits on the clock for the next due message.
            #expect(await eventually { clock.sleepers >= 2 })
            #expect(kept(scenario, Self.mission).count == 2, "nothing is sent before its backoff ends")
            clock.advance(by: .seconds(31))
            #expect(await eventually { kept(scenario, Self.mission).isEmpty }, "sent by itself once due")

            // The secretariat gets each exactly once, in the order they were sealed.
            let secretariatProfile = try AgencyProfile.load(scenario.agencyFolder(Self.secretariat).appendingPathComponent("profile.json"))
            let connection = GatewayConnection(profile: secretariatProfile, gatewayURL: scenario.daemon.url)
            defer { connection.close() }
            let items = try await InboxReader.fetch(connection, directory: try await connection.directory(), catalogue: Self.catalogue,
                                                    key: try secretariatProfile.loadEncryptionKey(), wait: 10, limit: 10)
            let received = items.compactMap { item -> String? in if case .opened(let o) = item { o.envelope.id.rawValue } else { nil } }
            #expect(received == ids)
            let pass = await back.desk.sendOutbox(all: true)
            #expect(pass?.accepted.isEmpty == true, "nothing is sent twice")
        }
    }
}
