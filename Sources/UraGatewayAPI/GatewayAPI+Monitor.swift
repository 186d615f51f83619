import Foundation
import UraGatewayCore
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// The secretariat's monitor: `/v1/monitor/...` (JSON). The route table admits the secretariat only.
extension GatewayAPI {
    /// Every GET of the monitor takes `limit` (and refuses a bad one with 400, as documented), even
    /// where the figures are not a list.
    private func monitorLimit(_ request: HTTPRequest) throws(GatewayError) -> Int {
        try Self.intQuery(request, "limit", default: 100, range: 1...1000)
    }

    func monitorOverview(_ request: HTTPRequest) throws -> HTTPResponse {
        _ = try monitorLimit(request)
        return APIResponse.json(try MonitorReport(gateway: gateway).overview())
    }

    func monitorAgencies(_ request: HTTPRequest) throws -> HTTPResponse {
        _ = try monitorLimit(request)
        return APIResponse.json(try MonitorReport(gateway: gateway).agencies())
    }

    func monitorDeadlines(_ request: HTTPRequest) throws -> HTTPResponse {
        APIResponse.json(try MonitorReport(gateway: gateway).deadlines(limit: try monitorLimit(request)))
    }

    func monitorDeadLetters(_ request: HTTPRequest) throws -> HTTPResponse {
        APIResponse.json(try MonitorReport(gateway: gateway).deadLetters(limit: try monitorLimit(request)))
    }

    func monitorLedger(_ request: HTTPRequest) throws -> HTTPResponse {
        _ = try monitorLimit(request)
        return APIResponse.json(try MonitorReport(gateway: gateway).ledger())
    }

    func monitorMessages(_ request: HTTPRequest) throws -> HTTPResponse {
        var filter = MessageFilter(limit: try monitorLimit(request), offset: try Self.intQuery(request, "offset", default: 0, range: 0...1_000_000))
        do {
            // An empty filter (`case=` from a form left blank) means no filter.
            func given(_ name: String) -> String? { request.queryValue(name).flatMap { $0.isEmpty ? nil : $0 } }
            filter.caseReference = try given("case").map { try CaseReference($0) }
            filter.type = try given("type").map { try MessageType($0) }
            filter.agency = try given("agency").map { try AgencyID($0) }
        } catch { throw GatewayError(.invalidRequest, "\(error)") }
        if let text = request.queryValue("state") {
            guard let state = DeliveryState(rawValue: text) else {
                throw GatewayError(.invalidRequest, "state must be pending, in_flight, retry_scheduled, delivered or dead_letter, not '\(text)'")
            }
            filter.state = state
        }
        return APIResponse.json(try MonitorReport(gateway: gateway).messages(filter))
    }

    func redrive(message messageText: String, recipient recipientText: String, by agency: Agency) async throws -> HTTPResponse {
        let message: MessageID, recipient: AgencyID
        do {
            message = try MessageID(messageText)
            recipient = try AgencyID(recipientText)
        } catch { throw GatewayError(.invalidRequest, "redrive needs /v1/monitor/dead-letters/{message id}/{recipient agency id}/redrive: \(error)") }
        try await gateway.deliveries.redrive(message: message, recipient: recipient, by: agency.id.rawValue)
        return APIResponse.json(["message": .string(message.rawValue), "recipient": .string(recipient.rawValue), "state": "pending"])
    }

    func verifyLedger() throws -> HTTPResponse {
        guard gateway.ledgerVerifications.run(gateway.ledger, at: gateway.clock.now, events: gateway.events) != nil else {
            throw GatewayError(.unavailable, "the ledger could not be read for verification")
        }
        return APIResponse.json(try MonitorReport(gateway: gateway).ledger())
    }
}
