import Foundation
import Synchronization
import UraCrypto
import UraGatewayCore
import UraHTTPCore
import UraHTTPServer
import UraModel
import UraProtocol

/// Who may open the dashboard: a person on the gateway host (the admin listener is on loopback;
/// from elsewhere through an SSH tunnel) who can read `<data>/run/admin-token`, readable by the
/// `ura` user only. The token is a one-time login link (`ura admin login-link`): using it starts a
/// session and replaces the token. Sessions live in memory for 12 hours; each has a CSRF token
/// that every state-changing form carries.
public final class DashboardAccess: Sendable {
    public struct Session: Sendable {
        public let id: String
        public let csrf: String
        public let expires: Date
    }

    let tokenFile: URL
    let clock: any WallClock
    let lifetime: TimeInterval = 12 * 3600
    private let token = Mutex<String>("")
    private let sessions = Mutex<[String: Session]>([:])

    /// Writes a fresh login token to `tokenFile` (0600).
    public init(tokenFile: URL, clock: any WallClock) throws {
        self.tokenFile = tokenFile
        self.clock = clock
        try rotate()
    }

    /// Replaces the login token with a new random one.
    func rotate() throws {
        let fresh = Base64URL.encode(SecureRandom.bytes(32))
        try FileManager.default.createDirectory(at: tokenFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try? FileManager.default.removeItem(at: tokenFile)
        let fd = open(tokenFile.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SetupError("cannot write the dashboard login token \(tokenFile.path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(fresh.utf8)
        guard write(fd, bytes, bytes.count) == bytes.count else { throw SetupError("cannot write the dashboard login token \(tokenFile.path)") }
        token.withLock { $0 = fresh }
    }

    /// Exchanges the login token for a session (and replaces the token); nil when it is wrong.
    func login(with candidate: String) -> Session? {
        let current = token.withLock { $0 }
        guard !current.isEmpty, constantTimeEqual(Array(candidate.utf8), Array(current.utf8)) else { return nil }
        try? rotate()
        let session = Session(id: Base64URL.encode(SecureRandom.bytes(32)), csrf: Base64URL.encode(SecureRandom.bytes(32)),
                              expires: clock.now.addingTimeInterval(lifetime))
        let now = clock.now
        sessions.withLock { all in
            all = all.filter { $0.value.expires > now }
            all[session.id] = session
        }
        return session
    }

    /// The live session named by the request's cookie.
    func session(cookie: String?) -> Session? {
        guard let cookie else { return nil }
        let id = cookie.split(separator: ";").lazy.map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix("ura_session=") }.map { String($0.dropFirst("ura_session=".count)) }
        guard let id, !id.isEmpty else { return nil }
        let now = clock.now
        return sessions.withLock { all in
            guard let s = all.first(where: { constantTimeEqual(Array($0.key.utf8), Array(id.utf8)) })?.value else { return nil }
            guard s.expires > now else {
                all[s.id] = nil
                return nil
            }
            return s
        }
    }

    func logout(_ session: Session) { _ = sessions.withLock { $0.removeValue(forKey: session.id) } }

    /// True when the form's CSRF token is the session's.
    func checkCSRF(_ candidate: String?, for session: Session) -> Bool {
        guard let candidate else { return false }
        return constantTimeEqual(Array(candidate.utf8), Array(session.csrf.utf8))
    }

    static func cookie(for session: Session) -> String {
        "ura_session=\(session.id); HttpOnly; SameSite=Strict; Path=/; Max-Age=\(12 * 3600)"
    }
}
