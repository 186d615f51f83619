import Foundation
import UraGatewayCore
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// The secretariat's monitor: `/v1/monitor/...` (JSON, secretariat certificates only).
extension GatewayAPI {
    /// Answers the monitor's routes; nil for any other route.
    func monitor(_ request: HTTPRequest, _ route: Route, _ agency: Agency) async throws -> HTTPResponse? {
        guard route.segments.first == "monitor" else { return nil }
        try requireSecretariat(agency, "read the delivery monitor")
        let report = MonitorReport(gateway: gateway)
        let method = request.method
        let rest = Route(Array(route.segments.dropFirst()))
        if let captured = rest.capture("dead-letters", "*", "*", "redrive") {
            guard method == "POST" else { throw rest.notAllowed(method, allowed: "POST") }
            let message: MessageID, recipient: AgencyID
            do {
                message = try MessageID(captured[0])
                recipient = try AgencyID(captured[1])
            } catch { throw GatewayError(.invalidRequest, "redrive needs /v1/monitor/dead-letters/{message id}/{recipient agency id}/redrive: \(error)") }
            try await gateway.deliveries.redrive(message: message, recipient: recipient, by: agency.id.rawValue)
            return APIResponse.json(["message": .string(message.rawValue), "recipient": .string(recipient.rawValue), "state": "pending"])
        }
        if rest.matches("ledger", "verify") {
            guard method == "POST" else { throw rest.notAllowed(method, allowed: "POST") }
            guard gateway.ledgerVerifications.run(gateway.ledger, at: gateway.clock.now, events: gateway.events) != nil else {
                throw GatewayError(.unavailable, "the ledger could not be read for verification")
            }
            return APIResponse.json(try report.ledger())
        }
        guard method == "GET" else { throw rest.notAllowed(method, allowed: "GET") }
        let limit = try Self.intQuery(request, "limit", default: 100, range: 1...1000)
        if rest.matches("overview") { return APIResponse.json(try report.overview()) }
        if rest.matches("agencies") { return APIResponse.json(try report.agencies()) }
        if rest.matches("deadlines") { return APIResponse.json(try report.deadlines(limit: limit)) }
        if rest.matches("dead-letters") { return APIResponse.json(try report.deadLetters(limit: limit)) }
        if rest.matches("ledger") { return APIResponse.json(try report.ledger()) }
        if rest.matches("messages") {
            var filter = MessageFilter(limit: limit, offset: try Self.intQuery(request, "offset", default: 0, range: 0...1_000_000))
            do {
                filter.caseReference = try request.queryValue("case").map { try CaseReference($0) }
                filter.type = try request.queryValue("type").map { try MessageType($0) }
                filter.agency = try request.queryValue("agency").map { try AgencyID($0) }
            } catch { throw GatewayError(.invalidRequest, "\(error)") }
            if let text = request.queryValue("state") {
                guard let state = DeliveryState(rawValue: text) else {
                    throw GatewayError(.invalidRequest, "state must be pending, in_flight, retry_scheduled, delivered or dead_letter, not '\(text)'")
                }
                filter.state = state
            }
            return APIResponse.json(try report.messages(filter))
        }
        throw GatewayError(.notFound, "there is no \(method) /v1/monitor/\(rest.segments.joined(separator: "/")); see Schemas/openapi.json")
    }
}

/// The admin listener (plain HTTP, loopback by default): `/metrics` in the Prometheus text format
/// (without a session only from loopback), `/healthz`, and the secretariat's dashboard.
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
        guard Self.isAddressHost(request.headers["Host"]) else {
            return APIResponse.problem(GatewayError(.forbidden, "the admin listener answers to an address (http://127.0.0.1:PORT), not to a name"),
                                       instance: request.path)
        }
        switch (request.method, request.path) {
        case ("GET", "/metrics") where Self.isLoopback(request.remoteAddress)
            || dashboard?.access.session(cookie: request.headers["Cookie"]) != nil:
            return HTTPResponse(status: 200, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store"],
                                body: Array(gateway.events.metrics.render().utf8))
        case ("GET", "/healthz"):
            return APIResponse.json(["status": "ok"])
        default:
            if let dashboard { return await dashboard.handle(request) }
            return APIResponse.problem(GatewayError(.notFound, "the admin listener serves GET /metrics and GET /healthz"), instance: request.path)
        }
    }
}
