import Foundation
import UraGatewayCore
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// The routes of the SOP's procedures: confidentiality declarations, case timelines, statistics.
/// Who may call each is in the route table (`GatewayAPI+Routes.swift`).
extension GatewayAPI {
    func declare(_ request: HTTPRequest, _ agency: Agency) async throws -> HTTPResponse {
        let (record, isNew) = try await gateway.declarations.record(request.body, from: agency)
        return APIResponse.json(["id": .string(record.id), "case": .string(record.caseReference.rawValue), "role": .string(record.role.rawValue),
                                 "recorded_at": .string(RFC3339.string(from: record.recordedAt))], status: isNew ? 201 : 200)
    }

    func caseDeclarations(_ text: String) throws -> HTTPResponse {
        let caseReference = try Self.caseReference(text)
        let list = try gateway.store.declarations(forCase: caseReference)
        return APIResponse.json(["case": .string(caseReference.rawValue), "declarations": .array(list.map { d in
            [
                "id": .string(d.id), "role": .string(d.role.rawValue), "agency": .string(d.agency.rawValue), "declared_on": .string(d.declaredOn),
                "form_digest": .string(d.formDigest), "recorded_at": .string(RFC3339.string(from: d.recordedAt)),
                "name": (try? JSONValue(parsing: d.encryptedName)) ?? .null,
                "signed": (try? JSONValue(parsing: d.signed)) ?? .null,
            ]
        })])
    }

    func timeline(_ text: String) throws -> HTTPResponse {
        APIResponse.json(try CaseTimeline(caseReference: try Self.caseReference(text), store: gateway.store, integrity: gateway.integrity).json)
    }

    func statistics(_ request: HTTPRequest) throws -> HTTPResponse {
        let now = gateway.clock.now
        let from = try Self.day(request.queryValue("from"), "from") ?? now.addingTimeInterval(-365 * 86_400)
        let to = try Self.day(request.queryValue("to"), "to").map { $0.addingTimeInterval(86_400) } ?? now
        guard from < to else { throw GatewayError(.invalidRequest, "from must be before to") }
        return APIResponse.json(try StatisticsReport(store: gateway.store, from: from, to: to, calendar: gateway.calendar).json)
    }

    static func caseReference(_ text: String) throws(GatewayError) -> CaseReference {
        do { return try CaseReference(text) } catch { throw GatewayError(.invalidRequest, error.description) }
    }

    static func day(_ text: String?, _ name: String) throws(GatewayError) -> Date? {
        guard let text else { return nil }
        guard let day = RFC3339.day(from: text) else { throw GatewayError(.invalidRequest, "\(name) must be a date like 2026-11-01, not '\(text)'") }
        return day
    }
}
