import Foundation
import Synchronization
import UraClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraSchema

/// `ura desk`: the agency's client as a local web page. The same `UraClient` code as `ura` (the
/// profile, its keys, its outbox and inbox folders); pages are drawn on the server from the
/// catalogue's JSON Schemas and need no script. Every request passes `DeskAccess` first.
public final class Desk: HTTPHandler, Sendable {
    public let profile: AgencyProfile
    public let access: DeskAccess
    let connection: GatewayConnection
    let catalogue: MessageCatalogue
    let clock: any WallClock
    let files: DeskFiles
    /// One outbox pass at a time (the background sender and "send now" from a page).
    let sending = OutboxLock()
    /// What the background work last met: refused inbox messages, an unreachable gateway.
    let notices = Mutex<[String: String]>([:])
    let forms = Mutex<[MessageType: MessageForm]>([:])
    /// The directory last fetched (or read from the cache), for agencies' names on the pages.
    let knownDirectory = Mutex<Directory?>(nil)

    public init(profile: AgencyProfile, catalogue: MessageCatalogue, access: DeskAccess = DeskAccess(), clock: any WallClock = SystemClock(),
                connection: GatewayConnection? = nil) throws(DeskError) {
        self.profile = profile
        self.catalogue = catalogue
        self.access = access
        self.clock = clock
        self.connection = connection ?? GatewayConnection(profile: profile, timeout: .seconds(60))
        files = try DeskFiles(profile: profile)
    }

    public func close() { connection.close() }

    /// The form of `type` (built once).
    func form(_ type: MessageType) throws(DeskError) -> MessageForm {
        if let form = forms.withLock({ $0[type] }) { return form }
        let form = try MessageForm(type: type, catalogue: catalogue)
        forms.withLock { $0[type] = form }
        return form
    }

    // MARK: Requests

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        do {
            try access.checkOrigin(request)
            if request.method == "GET", request.path == "/", let token = request.queryValue("token") {
                return login(token)
            }
            guard let session = access.session(request) else {
                throw DeskError("There is no session: open the link `ura desk` printed (each link works once; start `ura desk` again for a new one).", .forbidden)
            }
            var form = PostedForm()
            if request.method == "POST" {
                let contentType = request.headers["Content-Type"] ?? ""
                if contentType.lowercased().hasPrefix("application/x-www-form-urlencoded") {
                    form = PostedForm(body: request.body)
                } else if request.path == "/declaration", let boundary = PostedForm.boundary(of: contentType) {
                    form = PostedForm(multipart: request.body, boundary: boundary)  // the declaration's scan
                } else {
                    throw DeskError("The desk takes only its own forms (application/x-www-form-urlencoded). Nothing was sent.", .forbidden)
                }
                try access.checkCSRF(form["csrf"], for: session)
            }
            return try await route(request, form, session)
        } catch {
            return errorPage(error, session: access.session(request))
        }
    }

    func route(_ request: HTTPRequest, _ form: PostedForm, _ session: DeskAccess.Session) async throws(DeskError) -> HTTPResponse {
        let parts = request.path.split(separator: "/").map { String($0).removingPercentEncoding ?? "" }
        switch (request.method, parts.first ?? "", parts.count) {
        case ("GET", "", 0): return try await home(session)
        case ("GET", "compose", 1): return try await chooseForm(session)
        case ("GET", "compose", 2): return try await compose(parts[1], draft: request.queryValue("draft"), session)
        case ("POST", "compose", 2): return try await composePost(parts[1], form, session)
        case ("GET", "outbox", 1): return outboxPage(session, notice: request.queryValue("sent"))
        case ("POST", "outbox", 1): return await sendNow(session)
        case ("GET", "inbox", 1): return inboxPage(session)
        case ("POST", "inbox", 1): return await fetchNow(session)
        case ("GET", "inbox", 2): return try message(parts[1], print: false, session)
        case ("GET", "inbox", 3) where parts[2] == "print": return try message(parts[1], print: true, session)
        case ("GET", "sent", 2): return try sentMessage(parts[1], session)
        case ("GET", "receipts", 1): return await receiptsPage(session)
        case ("GET", "case", 1): return try await casePage(request.queryValue("case") ?? "", session)
        case ("GET", "case", 2): return try await casePage(parts[1], session)
        case ("GET", "declaration", 1): return try await declarationPage(session, form: nil)
        case ("POST", "declaration", 1): return try await declarationPost(form, session)
        case ("POST", "logout", 1):
            access.logout(session)
            return page(("Doli", "Signed out"), current: "", session: nil,
                        body: "<p>\(HTML.label("Dolët nga tryeza. Mbyllni `ura desk` në terminal.", "You have signed out. Stop `ura desk` in the terminal."))</p>")
        case (_, "compose", 2), (_, "outbox", 1), (_, "inbox", 1), (_, "declaration", 1):
            throw DeskError("This page does not take \(request.method).", .notFound)
        default:
            throw DeskError("There is no such page.", .notFound)
        }
    }

    func login(_ token: String) -> HTTPResponse {
        guard let session = access.login(with: token) else {
            return page(status: 403, ("Hyrja", "Sign in"), current: "", session: nil, body: """
                <p class="bad">\(HTML.label("Kjo lidhje hyrjeje nuk vlen më: çdo lidhje përdoret vetëm një herë.", "This login link is no longer valid: each link works once."))</p>
                <p>\(HTML.label("Nisni përsëri", "Start again")) <code>ura desk</code> \(HTML.label("dhe hapni lidhjen e re.", "and open the new link."))</p>
                """)
        }
        return HTTPResponse(status: 303, headers: ["Location": "/", "Set-Cookie": access.cookie(for: session), "Cache-Control": "no-store",
                                                   "Referrer-Policy": "no-referrer"], body: [])
    }

    // MARK: Pages

    static let navigation: [(path: String, sq: String, en: String)] = [
        ("/", "Kreu", "Home"), ("/compose", "Formular i ri", "New form"), ("/outbox", "Të dërguarat", "Outbox"), ("/inbox", "Të ardhurat", "Inbox"),
        ("/receipts", "Dëftesat", "Receipts"), ("/case", "Rasti", "Case"), ("/declaration", "Deklarata A1", "Declaration A1"),
    ]

    func page(status: Int = 200, _ title: (String, String), current: String, session: DeskAccess.Session?, body: String, printView: Bool = false) -> HTTPResponse {
        let nav = Self.navigation.map { item in
            "<a href=\"\(item.path)\"\(item.path == current ? " class=\"current\" aria-current=\"page\"" : "")>\(HTML.label(item.sq, item.en))</a>"
        }.joined()
        let logout = session.map {
            "<form method=\"post\" action=\"/logout\" class=\"inline\" style=\"float:right\"><input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape($0.csrf))\"><button>\(HTML.label("Dil", "Sign out"))</button></form>"
        } ?? ""
        let chrome = printView ? "" : """
            <a class="skip" href="#main">\(HTML.label("Kalo te përmbajtja", "Skip to content"))</a>
            <header>\(logout)<strong>Ura</strong> — \(HTML.label("Tryeza", "Desk")) <span class="muted">\(agencyTitle)</span></header>
            <nav aria-label="Menu">\(nav)</nav>
            """
        let html = """
            <!doctype html>
            <html lang="sq"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>Ura — \(HTML.escape(title.0)) / \(HTML.escape(title.1))</title>
            <style>\(HTML.style)</style></head>
            <body>\(chrome)<main id="main"><h1>\(HTML.label(title.0, title.1))</h1>
            \(body)
            </main></body></html>
            """
        return HTTPResponse(status: status, headers: Self.headers, body: Array(html.utf8))
    }

    /// This agency's name from the directory last seen, and its id.
    var agencyTitle: String {
        let name = knownDirectory.withLock { $0?[profile.agency]?.name }
        return (name.map { HTML.escape($0) + " · " } ?? "") + HTML.escape(profile.agency.rawValue)
    }

    /// Nothing from outside: no script, no frame, no form to another site, nothing cached.
    static let headers: HTTPHeaders = [
        "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "X-Frame-Options": "DENY", "Referrer-Policy": "same-origin",
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'self'; script-src 'none'; style-src 'unsafe-inline'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    ]

    func redirect(_ location: String) -> HTTPResponse {
        HTTPResponse(status: 303, headers: ["Location": location, "Cache-Control": "no-store"], body: [])
    }

    func errorPage(_ error: any Error, session: DeskAccess.Session?) -> HTTPResponse {
        let desk = error as? DeskError ?? DeskError("Something went wrong: \(error)", .failed)
        let (sq, en): (String, String) = switch desk.kind {
        case .forbidden: ("Refuzohet", "Refused")
        case .notFound: ("Nuk u gjet", "Not found")
        case .invalid: ("Nuk pranohet", "Not accepted")
        case .unsupported, .failed: ("Gabim", "Error")
        }
        let sqLine: String = switch desk.kind {
        case .forbidden: "Kërkesa u refuzua; asgjë nuk u dërgua."
        case .notFound: "Kjo faqe ose ky mesazh nuk ekziston."
        case .invalid: "Të dhënat nuk pranohen; asgjë nuk u dërgua."
        case .unsupported, .failed: "Veprimi nuk u krye."
        }
        return page(status: desk.status, (sq, en), current: "", session: session,
                    body: "<p class=\"bad\" role=\"alert\">\(HTML.escape(sqLine)) <span class=\"en\">/ \(HTML.escape(desk.message))</span></p>")
    }

    func csrfField(_ session: DeskAccess.Session) -> String { "<input type=\"hidden\" name=\"csrf\" value=\"\(HTML.escape(session.csrf))\">" }
}

/// Lets one outbox pass run at a time (an actor alone would not: it is re-entered at every await).
actor OutboxLock {
    private var busy = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func acquire() async {
        guard busy else { busy = true; return }
        await withCheckedContinuation { waiters.append($0) }
    }

    func release() {
        if waiters.isEmpty { busy = false } else { waiters.removeFirst().resume() }
    }
}
