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
import UraJSON
import UraModel
import UraProtocol
@testable import UraProvisioning
import UraStore
import UraStoreSQLite
import UraTestTraits

/// The dashboard in process: the one-time login link, sessions, CSRF and same-origin checks on the
/// redrive, escaping, the pages' content, and nothing personal on any page.
@Suite(.offThePool) struct DashboardTests {
    final class Setup: @unchecked Sendable {
        let f: GatewayFixture
        let g: Gateway
        let transport: ScriptedTransport
        let access: DashboardAccess
        let admin: AdminHandler
        let tokenFile: URL

        init(schemas: URL? = nil) throws {
            f = try GatewayFixture(schemas: schemas)
            transport = ScriptedTransport([f.shelter], default: .fail("connection refused"))
            g = f.monitoredGateway(transport: transport)
            tokenFile = f.directoryURL.appendingPathComponent("run/admin-token")
            access = try DashboardAccess(tokenFile: tokenFile, clock: f.clock)
            admin = AdminHandler(gateway: g, access: access)
        }

        func request(_ method: String, _ target: String, cookie: String? = nil, body: String = "", headers: [(String, String)] = [],
                     from address: String = "127.0.0.1:50000") async -> HTTPResponse {
            let parts = target.split(separator: "?", maxSplits: 1)
            let query: [(name: String, value: String)] = parts.count > 1 ? parts[1].split(separator: "&").map { pair in
                let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
                return (kv[0], kv.count > 1 ? kv[1] : "")
            } : []
            var all = headers.contains { $0.0 == "Host" } ? headers : [("Host", "127.0.0.1:8444")] + headers
            if let cookie { all.append(("Cookie", cookie)) }
            return await admin.handle(HTTPRequest(method: method, target: target, path: String(parts[0]), query: query,
                                                  headers: HTTPHeaders(all), body: Array(body.utf8), remoteAddress: address))
        }

        /// Logs in with the token file's link; returns the session cookie and the CSRF token.
        func login() async throws -> (cookie: String, csrf: String) {
            let token = String(decoding: try Data(contentsOf: tokenFile), as: UTF8.self)
            let response = await request("GET", "/login?token=\(token)")
            #expect(response.status == 303)
            let setCookie = try #require(response.headers["Set-Cookie"])
            #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
            let cookie = String(setCookie.prefix { $0 != ";" })
            let page = String(decoding: await request("GET", "/", cookie: cookie).body, as: UTF8.self)
            let csrf = try #require(page.range(of: "name=\"csrf\" value=\"").map { String(page[$0.upperBound...].prefix { $0 != "\"" }) })
            return (cookie, csrf)
        }
    }

    @Test func theAgenciesPageShowsEachPeerGatewayWithItsLastSyncAndError() async throws {
        let s = try Setup()
        #expect(!String(decoding: await s.request("GET", "/agencies", cookie: try await s.login().cookie).body, as: UTF8.self).contains("Peer gateways"))
        var directory = s.f.book.snapshot.directory
        directory.upsert(Agency(id: try AgencyID("xk.ura.gateway"), kind: .gateway, name: "Ura <Kosova>", delivery: .push(url: "https://127.0.0.1:1")))
        s.f.book.replace(try DirectorySnapshot(directory))
        s.g.peers.publish([["peer": "xk.ura.gateway", "reachable": false, "last_sync": "2026-11-24T08:00:00Z", "directory_version": 3, "agencies": 4,
                            "last_error": "the directory from xk.ura.gateway was refused: its version 2 is older than version 3 already held"]])
        let page = String(decoding: await s.request("GET", "/agencies", cookie: try await s.login().cookie).body, as: UTF8.self)
        #expect(page.contains("Peer gateways") && page.contains("xk.ura.gateway") && page.contains("Ura &lt;Kosova&gt;"))
        #expect(page.contains("older than version 3 already held"))
        #expect(page.contains("class=\"bad\">jo"))
    }

    @Test func theLoginLinkWorksOnceAndPagesNeedASession() async throws {
        let s = try Setup()
        let perms = try FileManager.default.attributesOfItem(atPath: s.tokenFile.path)[.posixPermissions] as? Int
        #expect(perms == 0o600)
        let token = String(decoding: try Data(contentsOf: s.tokenFile), as: UTF8.self)
        #expect(await s.request("GET", "/").status == 401)
        #expect(await s.request("GET", "/login?token=wrong").status == 403)
        #expect(await s.request("GET", "/login?token=\(token)").status == 303)
        #expect(await s.request("GET", "/login?token=\(token)").status == 403, "a login link works once")
        #expect(String(decoding: try Data(contentsOf: s.tokenFile), as: UTF8.self) != token)
        #expect(await s.request("GET", "/", cookie: "ura_session=forged").status == 401)

        let (cookie, _) = try await s.login()
        #expect(await s.request("GET", "/", cookie: cookie).status == 200)
        // Sessions end after 12 hours.
        s.f.clock.advance(by: .seconds(12 * 3600 + 1))
        #expect(await s.request("GET", "/", cookie: cookie).status == 401)
        // /metrics: from loopback without a session; from elsewhere only with one.
        #expect(await s.request("GET", "/metrics").status == 200)
        #expect(await s.request("GET", "/metrics", from: "10.0.0.8:40000").status == 401)
        // A page whose name was rebound to 127.0.0.1 (DNS rebinding) sends its own Host: refused.
        #expect(await s.request("GET", "/metrics", headers: [("Host", "evil.example:8444")]).status == 403)
        #expect(AdminHandler.isAddressHost("127.0.0.1:8444") && AdminHandler.isAddressHost("[::1]:8444") && AdminHandler.isAddressHost("localhost:8444"))
        #expect(!AdminHandler.isAddressHost("evil.example") && !AdminHandler.isAddressHost(nil))
    }

    @Test func theRedriveNeedsTheCSRFTokenAndTheSameOrigin() async throws {
        let s = try Setup()
        let f = s.f
        _ = try await s.g.intake.submit(try f.message(from: f.police, to: [f.shelter], lifetime: 10), from: f.police.id)
        f.clock.advance(by: .seconds(20))
        await s.g.deliveries.runOnce()
        let letter = try #require(try f.store.deadLetters(limit: 10).first)
        let (cookie, csrf) = try await s.login()
        let page = String(decoding: await s.request("GET", "/dead-letters", cookie: cookie).body, as: UTF8.self)
        #expect(page.contains(letter.message.rawValue) && page.contains("Ridërgo") && page.contains("expire"))

        let form = "csrf=\(csrf)&message=\(letter.message)&recipient=\(letter.recipient)"
        // Without the token, with another session's token, from another site: refused, nothing changes.
        #expect(await s.request("POST", "/dead-letters/redrive", cookie: cookie, body: "message=\(letter.message)&recipient=\(letter.recipient)").status == 403)
        // Another token: the first character changed (to one it is not, so the forgery always differs).
        let forged = (csrf.hasPrefix("x") ? "y" : "x") + csrf.dropFirst()
        #expect(forged != csrf)
        #expect(await s.request("POST", "/dead-letters/redrive", cookie: cookie, body: form.replacingOccurrences(of: csrf, with: forged)).status == 403)
        #expect(await s.request("POST", "/dead-letters/redrive", cookie: cookie, body: form, headers: [("Origin", "https://evil.example")]).status == 403)
        #expect(await s.request("POST", "/dead-letters/redrive", cookie: cookie, body: form, headers: [("Sec-Fetch-Site", "cross-site")]).status == 403)
        #expect(await s.request("POST", "/dead-letters/redrive", body: form).status == 401)
        #expect(try f.store.deadLetters(limit: 10).count == 1)
        // GET never changes anything: the redrive takes POST only (405, Allow: POST).
        let byGet = await s.request("GET", "/dead-letters/redrive?\(form)", cookie: cookie)
        #expect(byGet.status == 405 && byGet.headers["Allow"] == "POST")

        let done = await s.request("POST", "/dead-letters/redrive", cookie: cookie, body: form,
                                   headers: [("Origin", "http://127.0.0.1:8444"), ("Sec-Fetch-Site", "same-origin")])
        #expect(done.status == 303 && done.headers["Location"]?.hasPrefix("/dead-letters?redriven=") == true)
        #expect(try f.store.deadLetters(limit: 10).isEmpty)
        #expect(try f.store.deliveries(of: letter.message).first?.state == .pending)
        // A second redrive of the same delivery is an error page, not a crash.
        #expect(await s.request("POST", "/dead-letters/redrive", cookie: cookie, body: form).status == 409)
    }

    @Test func everyPageShowsItsFiguresEscapedAndNothingPersonal() async throws {
        let s = try Setup()
        let f = s.f
        let marker = "MARKER-\(UUID().uuidString)"
        let sent = try await s.g.intake.submit(try f.message(from: f.police, to: [f.shelter], caseReference: "AL-2026-000555", note: marker), from: f.police.id)
        await s.g.deliveries.runOnce()
        let (cookie, _) = try await s.login()
        var all = ""
        for (path, expected) in [("/", "Përmbledhje"), ("/messages", sent.messageID.rawValue), ("/messages?case=AL-2026-000555", "AL-2026-000555"),
                                 ("/messages?state=retry_scheduled", sent.messageID.rawValue), ("/messages/\(sent.messageID)", "delivery.retry_scheduled"),
                                 ("/deadlines", "Afatet"), ("/dead-letters", "Dead letters"), ("/agencies", "connection refused"),
                                 ("/declarations?case=AL-2026-000555", "No declaration for this case")] {
            let response = await s.request("GET", path, cookie: cookie)
            let text = String(decoding: response.body, as: UTF8.self)
            #expect(response.status == 200, "\(path)")
            #expect(text.contains(expected), "\(path) lacks \(expected)")
            #expect(response.headers["Content-Security-Policy"]?.contains("default-src 'none'") == true)
            all += text
        }
        #expect(!all.contains(marker))
        #expect(!all.contains("PRIVATE KEY"))
        for agency in [f.police, f.shelter, f.secretariat] { #expect(!all.contains(agency.encryption.publicKey.jwk["x"]?.stringValue ?? "—")) }

        // Whatever comes back in a filter is escaped; a bad filter is a clear error page.
        let hostile = await s.request("GET", "/messages?agency=%3Cscript%3Ealert(1)%3C%2Fscript%3E", cookie: cookie)
        #expect(hostile.status == 400)
        let hostileText = String(decoding: hostile.body, as: UTF8.self)
        #expect(!hostileText.contains("<script>") && hostileText.contains("&lt;script&gt;"))
        #expect(HTML.escape("<script>\"x\"&'y'</script>") == "&lt;script&gt;&quot;x&quot;&amp;&#39;y&#39;&lt;/script&gt;")
        #expect(await s.request("GET", "/messages?state=lost", cookie: cookie).status == 400)
        #expect(await s.request("GET", "/nowhere", cookie: cookie).status == 404)
        #expect(await s.request("GET", "/messages/not-an-id", cookie: cookie).status == 404)
    }

    /// Visible text of a page: what a person reads, without tags or attributes (ids on hover are fine).
    static func visible(_ html: String) -> String {
        html.replacingOccurrences(of: "<style>[^<]*</style>", with: "", options: .regularExpression)
            .replacingOccurrences(of: "<[^>]*>", with: " ", options: .regularExpression)
    }

    /// The secretariat's view with the real catalogue: names and kinds for ids, form letters and
    /// Albanian titles for types, states in words, Tirana time with its offset, working days to a
    /// deadline, a case page that shows which message started, repeated and met which deadline,
    /// selects for the filters and a page that refreshes itself.
    @Test func pagesSpeakTheSecretariatsWordsAndTheCasePageTiesMessagesToDeadlines() async throws {
        let s = try Setup(schemas: TestCatalogue.repositorySchemas)
        let f = s.f
        let first = try await s.g.intake.submit(try f.message(from: f.child, to: [f.social, f.police], type: "protection.emergency-measure", subject: .child),
                                                from: f.child.id)
        f.clock.advance(by: .seconds(600))
        let again = try await s.g.intake.submit(try f.message(from: f.child, to: [f.social, f.police], type: "protection.emergency-measure", subject: .child),
                                                from: f.child.id)
        let (cookie, _) = try await s.login()
        func get(_ path: String) async -> (status: Int, html: String) {
            let r = await s.request("GET", path, cookie: cookie)
            return (r.status, String(decoding: r.body, as: UTF8.self))
        }

        let casePage = await get("/cases/AL-2026-000042")
        #expect(casePage.status == 200)
        let text = Self.visible(casePage.html)
        #expect(text.contains("Njoftim për masën emergjente"), "the Albanian title of the emergency measure")
        #expect(text.contains("Mbrojtja e fëmijës") && text.contains(f.child.id.rawValue), "the sender's kind in words, its id on a second line")
        #expect(text.contains("10:00 +01:00"), "accepted at 10:00 in Tirana")
        #expect(text.contains("in 3 working days"), "72 h from Tuesday 10:00 is Friday: three working days")
        #expect(casePage.html.contains(first.messageID.rawValue) && casePage.html.contains(again.messageID.rawValue))
        #expect(text.contains("triggered again by") && text.contains("repeats"))
        #expect(text.contains("Në pritje") && !text.contains("pending /") && !text.contains("retry_scheduled") && !text.contains("protection.emergency-measure"))
        #expect(casePage.html.contains("<meta http-equiv=\"refresh\""))
        #expect(await get("/cases/not-a-case").status == 404)

        let messages = await get("/messages")
        #expect(messages.html.contains("<select name=\"type\">") && messages.html.contains("<select name=\"agency\">"))
        #expect(messages.html.contains("<option value=\"protection.emergency-measure\">"))
        #expect(messages.html.contains("href=\"/cases/AL-2026-000042\""))
        #expect(!messages.html.contains("class=\"pager\""), "everything fits on the first page")
        // Paged: page 2 of a short list is empty and links back; a page that is not one is refused in words.
        let second = await get("/messages?case=AL-2026-000042&page=2")
        #expect(second.status == 200 && Self.visible(second.html).contains("No message."))
        #expect(second.html.contains("<a rel=\"prev\" href=\"/messages?case=AL-2026-000042\">") && !second.html.contains("rel=\"next\""))
        for bad in ["0", "-1", "two", "100001"] {
            let refused = await get("/messages?page=\(bad)")
            #expect(refused.status == 400 && Self.visible(refused.html).contains("page must be a whole number"), "page=\(bad)")
        }
        #expect(await get("/agencies?page=x").status == 400)
        #expect(Self.visible((await get("/agencies")).html).contains("agencies"))

        // Charts drawn on the server: SVG with a title per bar, no script.
        let trends = await get("/trends")
        #expect(trends.status == 200 && trends.html.contains("<svg") && !trends.html.contains("<script"))
        #expect(trends.html.contains("<title>2026-11-24: accepted 2</title>"), "two messages accepted today (Tirana)")
        #expect(trends.html.contains("<title>open: 1</title>"), "one open deadline for the child-protection unit")

        // The committees' figures: the threshold, how many were suppressed, a CSV; never a case reference.
        let statistics = await get("/statistics")
        #expect(statistics.status == 200 && Self.visible(statistics.html).contains("Threshold") && Self.visible(statistics.html).contains("Suppressed as small"))
        #expect(!statistics.html.contains("AL-2026"))
        #expect(statistics.html.contains("Tiranë<br><small class=\"muted\">tirane</small>"), "the county by its name, the code beneath")
        let csv = await s.request("GET", "/statistics.csv", cookie: cookie)
        #expect(csv.status == 200 && csv.headers["Content-Type"]?.hasPrefix("text/csv") == true)
        #expect(String(decoding: csv.body, as: UTF8.self).hasPrefix("level,county,month,type,subject,messages,cases,note\r\n"))
        #expect(!String(decoding: csv.body, as: UTF8.self).contains("AL-2026"))

        let deadlines = await get("/deadlines")
        #expect(Self.visible(deadlines.html).contains("in 3 working days"))
        #expect(Self.visible(await get("/").html).contains("Open deadlines"))

        // Later (the session would have expired: the words are checked directly): Friday 15:10, the next Tuesday, Thursday.
        let due = try #require(try f.store.deadlines(forCase: CaseReference("AL-2026-000042")).first?.due)
        f.clock.advance(by: .seconds(3 * 86_400 + 5 * 3600))
        #expect(Self.visible(DashboardWords(gateway: s.g).relative(due)).contains("overdue by 5 h"))
        // 28 and 29 November (Independence, Liberation) fall on the weekend in 2026: Monday 30 and Tuesday 1 December
        // are the holidays instead, so the next Thursday is two working days after Friday.
        f.clock.advance(by: .seconds(4 * 86_400))
        #expect(Self.visible(DashboardWords(gateway: s.g).relative(due)).contains("overdue by 4 days"))
        f.clock.advance(by: .seconds(2 * 86_400))
        #expect(Self.visible(DashboardWords(gateway: s.g).relative(due)).contains("overdue by 2 working days"))
    }
}

@Suite(.offThePool) struct DashboardPagerTests {
    @Test func thePagerKeepsTheFiltersAndLinksOnlyWhereThereIsAPage() {
        #expect(HTML.pager("/messages", page: 1, hasNext: false, query: [("case", "AL-2026-000001")]) == "")
        let first = HTML.pager("/messages", page: 1, hasNext: true, query: [("case", "AL-2026-000001"), ("type", ""), ("agency", "a&b")])
        #expect(first.contains("<a rel=\"next\" href=\"/messages?case=AL-2026-000001&amp;agency=a%26b&amp;page=2\">"))
        #expect(!first.contains("rel=\"prev\""))
        let third = HTML.pager("/agencies", page: 3, hasNext: false, query: [])
        #expect(third.contains("<a rel=\"prev\" href=\"/agencies?page=2\">") && third.contains("Page 3") && !third.contains("rel=\"next\""))
        #expect(HTML.pager("/agencies", page: 2, hasNext: false, query: []).contains("href=\"/agencies\""), "page 1 has no page parameter")
    }
}
