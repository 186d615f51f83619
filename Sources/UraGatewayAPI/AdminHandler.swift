import UraGatewayCore
import UraHTTPCore
import UraHTTPServer
import UraProtocol

/// The admin listener (plain HTTP, loopback by default): `/metrics` in the Prometheus text format
/// (without a session only from loopback), `/healthz`, and the secretariat's dashboard. Its routes
/// are one table (`AdminHandler+Routes.swift`).
public struct AdminHandler: HTTPHandler {
    let gateway: Gateway
    let dashboard: Dashboard?

    public init(gateway: Gateway, access: DashboardAccess?) {
        self.gateway = gateway
        self.dashboard = access.map { Dashboard(gateway: gateway, access: $0) }
    }

    static func isLoopback(_ address: String) -> Bool {
        address.hasPrefix("127.") || address.hasPrefix("[::1]") || address.hasPrefix("::1")
    }

    /// True when the Host header names an address literal or localhost: a page of another site
    /// whose name was rebound to 127.0.0.1 (DNS rebinding) sends its own name and is refused.
    static func isAddressHost(_ host: String?) -> Bool {
        guard let host else { return false }
        let name: Substring
        if host.hasPrefix("[") {
            name = host.dropFirst().prefix { $0 != "]" }
            return name.contains(":")
        }
        name = host.split(separator: ":", maxSplits: 1).first ?? ""
        if name == "localhost" { return true }
        let parts = name.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { UInt8($0) != nil }
    }

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let dispatch: Routes.Dispatch
        do {
            dispatch = try await Self.routeTable.dispatch(request) { try admit(request, as: $0) }
        } catch let refusal as AdminRefusal {
            return refusal.response
        } catch {
            // `admit` throws nothing else.
            return APIResponse.problem(GatewayError(.internalError, "the admin listener could not admit the request"), instance: request.path)
        }
        switch dispatch {
        case .route(let route, let routed):
            do {
                return try await route.handler(self, routed)
            } catch {
                guard let dashboard else {
                    gateway.events.log.error("admin.error", ["path": .string(request.path), "error": .string("\(error)")])
                    return APIResponse.problem(GatewayError(.internalError, "something went wrong; see the gateway's log (admin.error)"), instance: request.path)
                }
                return dashboard.errorPage(error, path: request.path, session: routed.caller)
            }
        case .unrouted(let unrouted, let routed):
            if let dashboard {
                return unrouted.isMethodNotAllowed ? dashboard.methodNotAllowed(unrouted, routed.caller) : dashboard.notFound(routed.caller)
            }
            if unrouted.isMethodNotAllowed {
                return APIResponse.problem(GatewayError(.methodNotAllowed, "\(unrouted.method) is not allowed on \(unrouted.path); use \(unrouted.allowed.joined(separator: " or "))"),
                                           instance: request.path, allow: unrouted.allowHeader)
            }
            return notFound(request)
        }
    }

    /// The session the request comes with, when `access` admits it (nil where none is needed);
    /// throws `AdminRefusal` with the answer otherwise.
    func admit(_ request: HTTPRequest, as access: AdminAccess) throws(AdminRefusal) -> DashboardAccess.Session? {
        guard Self.isAddressHost(request.headers["Host"]) else {
            throw AdminRefusal(response: APIResponse.problem(
                GatewayError(.forbidden, "the admin listener answers to an address (http://127.0.0.1:PORT), not to a name"), instance: request.path))
        }
        let session = dashboard?.access.session(cookie: request.headers["Cookie"])
        switch access {
        case .anyone:
            return nil
        case .loopbackOrSession:
            if Self.isLoopback(request.remoteAddress) || session != nil { return session }
            // Without a dashboard there are no sessions: /metrics exists only for loopback.
            throw AdminRefusal(response: dashboard?.signIn() ?? notFound(request))
        case .dashboard:
            guard dashboard != nil else { throw AdminRefusal(response: notFound(request)) }
            return session
        case .session, .sessionForm:
            guard let dashboard else { throw AdminRefusal(response: notFound(request)) }
            guard let session else { throw AdminRefusal(response: dashboard.signIn()) }
            if access == .sessionForm, let refused = dashboard.refusal(ofForm: request, session) { throw AdminRefusal(response: refused) }
            return session
        case .visitor:
            guard let dashboard else { return nil }
            guard let session else { throw AdminRefusal(response: dashboard.signIn()) }
            return session
        }
    }

    private func notFound(_ request: HTTPRequest) -> HTTPResponse {
        APIResponse.problem(GatewayError(.notFound, "the admin listener serves GET /metrics and GET /healthz"), instance: request.path)
    }
}

extension RouteRequest where Caller == DashboardAccess.Session? {
    /// The session the route's access admitted; every dashboard page has one.
    var session: DashboardAccess.Session {
        get throws(GatewayError) {
            guard let caller else { throw GatewayError(.internalError, "the page \(http.method) \(http.path) admitted no session") }
            return caller
        }
    }
}
