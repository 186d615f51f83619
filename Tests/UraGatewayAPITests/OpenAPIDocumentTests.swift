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
import UraTestTraits

/// Schemas/openapi.json stays in step with the code: the API's route table (`GatewayAPI.routes`),
/// both ways, and every problem type it can return. (scripts/e2e/openapi.sh validates the document
/// itself.)
@Suite(.offThePool) struct OpenAPIDocumentTests {
    let document: JSONValue = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Schemas/openapi.json").standardized
        return (try? JSONValue(parsing: Array((try? Data(contentsOf: url)) ?? Data()))) ?? .null
    }()

    /// Every operation of the document as "METHOD /path", with its operation object.
    var operations: [String: JSONValue] {
        var all: [String: JSONValue] = [:]
        for (path, item) in document["paths"]?.objectValue ?? [:] {
            for (method, operation) in item.objectValue ?? [:] { all["\(method.uppercased()) \(path)"] = operation }
        }
        return all
    }

    @Test func everyRouteIsDocumentedAndEveryDocumentedOperationIsRouted() throws {
        #expect(document["openapi"] == "3.1.0")
        let documented = operations
        #expect(!documented.isEmpty, "Schemas/openapi.json has no operations")
        for (name, operation) in documented {
            #expect(operation["responses"]?.objectValue?.isEmpty == false, "\(name) has no responses")
            #expect(operation["operationId"]?.stringValue != nil, "\(name) has no operationId")
        }
        let routed = GatewayAPI.routes.map { "\($0.method) \($0.pattern)" }
        #expect(Set(routed).count == routed.count, "a route is in the table twice")
        for route in Set(routed).subtracting(documented.keys).sorted() {
            Issue.record("\(route) is routed but Schemas/openapi.json does not document it")
        }
        for operation in Set(documented.keys).subtracting(routed).sorted() {
            Issue.record("Schemas/openapi.json documents \(operation) but no route answers it")
        }
    }

    /// The routes the table opens to anyone are the operations the document exempts from the
    /// client certificate (`security: []`), and no other.
    @Test func theDocumentExemptsFromTheCertificateExactlyTheOpenRoutes() {
        let documented = operations
        for route in GatewayAPI.routes {
            let exempt = documented["\(route.method) \(route.pattern)"]?["security"] == .array([])
            #expect(exempt == (route.access == .anyone), "\(route): access \(route.access), security \(exempt ? "[]" : "the certificate")")
        }
    }

    /// A 405 carries `Allow`, and the document says so where it describes errors.
    @Test func theDocumentDescribes405WithAllow() {
        let problem405 = document["components"]?["responses"]?["Problem405"]
        #expect(problem405?["headers"]?["Allow"] != nil)
        #expect(problem405?["content"]?["application/problem+json"] != nil)
        #expect(document["info"]?["description"]?.stringValue?.contains("405") == true)
    }

    @Test func everyProblemTypeIsListed() throws {
        let listed = Set((document["components"]?["schemas"]?["Problem"]?["properties"]?["type"]?["enum"]?.arrayValue ?? []).compactMap(\.stringValue))
        #expect(listed == Set(ProblemType.allCases.map(\.uri)))
        #expect(Set(ProblemType.allCases.map(\.status)).isSubset(of: [400, 401, 403, 404, 405, 408, 409, 411, 413, 414, 415, 417, 422, 431, 500, 503, 505]))
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
