import Foundation
import Synchronization
import UraCrypto
import UraHTTPCore

/// Who may use the desk: the person who started it. `ura desk` prints a login link with a
/// one-time random token; opening it sets a session cookie (`HttpOnly; SameSite=Strict`) and
/// redirects to drop the token from the address bar. The token then no longer works, so a link
/// copied from the terminal's scrollback, or another local user trying ports, gets nowhere.
/// Every request must name the desk's own address in `Host` (no DNS rebinding), a browser's
/// `Origin` must be the desk's, and every POST carries the session's CSRF token.
public final class DeskAccess: Sendable {
    public struct Session: Sendable {
        public let id: String
        public let csrf: String
    }

    private let loginToken: Mutex<String?>
    private let sessions = Mutex<[String: Session]>([:])
    private let port = Mutex<Int>(0)

    public init(token: String = Base64URL.encode(SecureRandom.bytes(32))) { loginToken = Mutex(token) }

    /// The token of the login link, until it is used.
    public var token: String? { loginToken.withLock { $0 } }

    /// The port the desk listens on (known once the server started).
    public func listening(on port: Int) { self.port.withLock { $0 = port } }

    /// The addresses the desk answers to: 127.0.0.1 and localhost on its port.
    var origins: [String] {
        let port = port.withLock { $0 }
        return ["http://127.0.0.1:\(port)", "http://localhost:\(port)"]
    }

    /// Refuses a request whose `Host` is not the desk's own address (a page of another site whose
    /// name was rebound to 127.0.0.1 sends its own name), or whose `Origin` or `Sec-Fetch-Site` says
    /// it comes from another site.
    func checkOrigin(_ request: HTTPRequest) throws(DeskError) {
        let host = request.headers["Host"] ?? ""
        guard origins.contains("http://" + host) else {
            throw DeskError("This desk answers only at \(origins[0]); the request named \(host.isEmpty ? "no host" : host). Open the link `ura desk` printed.", .forbidden)
        }
        if let origin = request.headers["Origin"], !origins.contains(origin) {
            throw DeskError("A request from another site (\(origin)) is refused.", .forbidden)
        }
        if let site = request.headers["Sec-Fetch-Site"], site != "same-origin", site != "none" {
            throw DeskError("A request from another site (Sec-Fetch-Site: \(site)) is refused.", .forbidden)
        }
    }

    /// Exchanges the login token for a session; the token works once.
    func login(with candidate: String) -> Session? {
        let accepted = loginToken.withLock { token -> Bool in
            guard let current = token, constantTimeEqual(Array(candidate.utf8), Array(current.utf8)) else { return false }
            token = nil
            return true
        }
        guard accepted else { return nil }
        let session = Session(id: Base64URL.encode(SecureRandom.bytes(32)), csrf: Base64URL.encode(SecureRandom.bytes(32)))
        sessions.withLock { $0[session.id] = session }
        return session
    }

    /// The session named by the request's cookie.
    func session(_ request: HTTPRequest) -> Session? {
        guard let cookie = request.headers["Cookie"] else { return nil }
        let id = cookie.split(separator: ";").lazy.map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix(cookieName + "=") }.map { String($0.dropFirst(cookieName.count + 1)) }
        guard let id, !id.isEmpty else { return nil }
        return sessions.withLock { all in all.first { constantTimeEqual(Array($0.key.utf8), Array(id.utf8)) }?.value }
    }

    func logout(_ session: Session) { _ = sessions.withLock { $0.removeValue(forKey: session.id) } }

    /// Refuses a POST without the session's CSRF token.
    func checkCSRF(_ candidate: String?, for session: Session) throws(DeskError) {
        guard let candidate, constantTimeEqual(Array(candidate.utf8), Array(session.csrf.utf8)) else {
            throw DeskError("The form is stale or did not come from this desk (no valid CSRF token); open the page again. Nothing was sent.", .forbidden)
        }
    }

    /// Cookies are kept per host, not per port: two desks on one computer (two profiles) each
    /// name their cookie after their port.
    var cookieName: String { "ura_desk_\(port.withLock { $0 })" }

    func cookie(for session: Session) -> String { "\(cookieName)=\(session.id); HttpOnly; SameSite=Strict; Path=/" }
}
