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
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite

/// Schemas/openapi.json stays in step with the code: the routes the router answers, and every
/// problem type it can return. (scripts/e2e/openapi.sh validates the document itself.)
@Suite struct OpenAPIDocumentTests {
    let document: JSONValue = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Schemas/openapi.json").standardized
        return (try? JSONValue(parsing: Array((try? Data(contentsOf: url)) ?? Data()))) ?? .null
    }()

    /// The routes GatewayAPI and its extensions dispatch (GatewayAPI.v1, GatewayAPI+Procedures, GatewayAPI+Monitor).
    static let routes: Set<String> = [
        "GET /healthz", "GET /readyz", "POST /v1/messages", "GET /v1/messages/{id}", "GET /v1/inbox", "POST /v1/inbox/{id}/ack",
        "GET /v1/receipts", "GET /v1/directory", "GET /v1/agencies/{agency}/keys", "GET /v1/ledger/checkpoint", "GET /v1/ledger/proof",
        "POST /v1/declarations", "GET /v1/cases/{case}/declarations", "GET /v1/cases/{case}/timeline", "GET /v1/stats",
        "GET /v1/monitor/overview", "GET /v1/monitor/agencies", "GET /v1/monitor/deadlines", "GET /v1/monitor/dead-letters",
        "GET /v1/monitor/ledger", "GET /v1/monitor/messages", "POST /v1/monitor/dead-letters/{message}/{recipient}/redrive",
        "POST /v1/monitor/ledger/verify",
    ]

    @Test func everyRouteIsDocumentedAndNothingElse() throws {
        #expect(document["openapi"] == "3.1.0")
        var documented: Set<String> = []
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] {
                documented.insert("\(method.uppercased()) \(path)")
                #expect(operation["responses"]?.objectValue?.isEmpty == false, "\(method) \(path) has no responses")
                #expect(operation["operationId"]?.stringValue != nil, "\(method) \(path) has no operationId")
            }
        }
        #expect(documented == Self.routes)
    }

    @Test func everyProblemTypeIsListed() throws {
        let listed = Set((document["components"]?["schemas"]?["Problem"]?["properties"]?["type"]?["enum"]?.arrayValue ?? []).compactMap(\.stringValue))
        #expect(listed == Set(ProblemType.allCases.map(\.uri)))
        #expect(Set(ProblemType.allCases.map(\.status)).isSubset(of: [400, 401, 403, 404, 405, 408, 409, 411, 413, 414, 417, 422, 431, 500, 503, 505]))
    }

    /// The problems the HTTP server answers by itself (malformed requests, limits, overload) are
    /// problem types of the one list, with the same URI and status, so the document lists them too.
    @Test func everyProblemTheServerAnswersByItselfIsAProblemType() {
        #expect(HTTPProblem.typeBase == ProblemType.base)
        let answered: [HTTPProblem] = [
            .badRequest(""), .lengthRequired(""), .payloadTooLarge(""), .uriTooLong(""), .headerFieldsTooLarge(""), .requestTimeout(""),
            .expectationFailed(""), .versionNotSupported(""), .serverBusy(""), .internalError(""),
        ]
        for problem in answered {
            let type = ProblemType(rawValue: problem.slug)
            #expect(type != nil, "the server answers \(problem.slug), which is not a problem type")
            #expect(type?.status == problem.status, "\(problem.slug): the server answers \(problem.status), the list says \(type?.status ?? 0)")
            #expect(type?.uri == problem.type)
        }
    }
}
