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

/// The dashboard in process: the one-time login link, sessions, CSRF and same-origin checks on the
/// redrive, escaping, the pages' content, and nothing personal on any page.
@Suite struct DashboardTests {
    final class Setup: @unchecked Sendable {
        let f: GatewayFixture
        let g: Gateway
        let transport: ScriptedTransport
        let access: DashboardAccess
        let admin: AdminHandler
        let tokenFile: URL

        init() throws {
            f = try GatewayFixture()
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
}
