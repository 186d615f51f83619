import Foundation
import Testing
import UraClient
@testable import UraDesk
import UraGatewayTestSupport
import UraHTTPCore
import UraJSON
import UraModel
import UraSchema

/// A desk driven through its handler, as a browser would: its requests name the desk's address,
/// carry the session cookie, and post forms with the CSRF token.
final class DeskDriver: @unchecked Sendable {
    let desk: Desk
    let port = 4242
    var cookie: String?
    var csrf: String?

    init(_ desk: Desk) {
        self.desk = desk
        desk.access.listening(on: port)
    }

    func request(_ method: String, _ target: String, body: PostedForm? = nil, host: String? = nil, origin: String? = nil, cookie: String? = nil,
                 contentType: String = "application/x-www-form-urlencoded") async -> HTTPResponse {
        let parts = target.split(separator: "?", maxSplits: 1)
        let query: [(name: String, value: String)] = parts.count > 1 ? parts[1].split(separator: "&").map { pair in
            let kv = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            return (kv[0], kv.count > 1 ? kv[1] : "")
        } : []
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: host ?? "127.0.0.1:\(port)")
        if let origin { headers.add(name: "Origin", value: origin) } else if method == "POST" { headers.add(name: "Origin", value: "http://127.0.0.1:\(port)") }
        if let c = cookie ?? self.cookie { headers.add(name: "Cookie", value: c) }
        if body != nil { headers.add(name: "Content-Type", value: contentType) }
        return await desk.handle(HTTPRequest(method: method, target: target, path: String(parts[0]), query: query, headers: headers, body: body?.encoded ?? []))
    }

    /// Opens the login link and keeps the session cookie and the CSRF token of the first page.
    func login() async throws {
        let token = try #require(desk.access.token)
        let response = await request("GET", "/?token=\(token)")
        #expect(response.status == 303)
        let setCookie = try #require(response.headers["Set-Cookie"])
        cookie = String(setCookie.split(separator: ";")[0])
        let home = await request("GET", "/")
        csrf = Self.csrf(in: home.text)
    }

    static func csrf(in html: String) -> String? {
        guard let r = html.range(of: "name=\"csrf\" value=\"") else { return nil }
        return String(html[r.upperBound...].prefix { $0 != "\"" })
    }

    /// The fields a browser posts for `form` of `type` sent to `to` about `caseReference`.
    func compose(_ type: String, form: JSONValue, to: [String], caseReference: String, subject: String = "adult", action: String = "send",
                 csrf: String? = nil) throws -> PostedForm {
        let messageForm = try MessageForm(type: try MessageType(type), catalogue: try MessageCatalogue(directory: MessageCatalogue.defaultDirectory()))
        var posted = PostedForm()
        posted.append("csrf", csrf ?? self.csrf ?? "")
        for t in to { posted.append("to", t) }
        posted.append("case", caseReference)
        posted.append("subject", subject)
        posted.append("priority", "urgent")
        for pair in messageForm.body.encode(form).pairs { posted.append(pair.name, pair.value) }
        posted.append("action", action)
        return posted
    }
}

extension HTTPResponse {
    var text: String { String(decoding: body, as: UTF8.self) }
}
