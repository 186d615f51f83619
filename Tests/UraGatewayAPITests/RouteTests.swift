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
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestTraits

@Suite(.offThePool) struct RouteTests {
    @Test func segmentsAreSplitAndPercentDecodedOnlyWhereNeeded() {
        #expect(RequestPath("/v1/agencies/al.police.dvp-tirane/keys").segments == ["v1", "agencies", "al.police.dvp-tirane", "keys"])
        #expect(PathPattern("/v1/agencies/{agency}/keys").match(RequestPath("/v1/agencies/al%2Epolice.dvp-tirane/keys")) == ["agency": "al.police.dvp-tirane"])
        #expect(PathPattern("/v1/cases/{case}/timeline").match(RequestPath("/v1/cases/AL%2D2026%2D000042/timeline")) == ["case": "AL-2026-000042"])
        // A malformed escape stays as sent (and then matches nothing that needs a valid id).
        #expect(RequestPath("/v1/messages/%zz").segments == ["v1", "messages", "%zz"])
        #expect(RequestPath("//v1///healthz/").segments == ["v1", "healthz"])
    }

    /// Hummingbird's `Router.validate()`: a table that answers one request two ways does not ship.
    @Test func theListenersTablesHaveNoClash() throws {
        try GatewayAPI.routeTable.validate()
        try AdminHandler.routeTable.validate()
        var clashing = RouteTable<Void, Int, Void>(unrouted: 0)
        clashing.get("/v1/messages/{id}", 0) { _, _ in HTTPResponse(status: 200) }
        clashing.get("/v1/messages/{other}", 0) { _, _ in HTTPResponse(status: 200) }
        #expect(throws: RouteClash.self) { try clashing.validate() }
    }

    @Test func aLiteralSegmentWinsOverAParameterAndOtherMethodsAreListed() {
        var table = RouteTable<Void, Int, Void>(unrouted: 0)
        table.get("/things/{id}", 1) { _, _ in HTTPResponse(status: 200) }
        table.post("/things/latest", 2) { _, _ in HTTPResponse(status: 200) }
        table.get("/things/latest", 3) { _, _ in HTTPResponse(status: 200) }
        guard case .route(let latest, _) = table.resolve("GET", RequestPath("/things/latest")) else { Issue.record("no route"); return }
        #expect(latest.access == 3)
        guard case .route(let one, let parameters) = table.resolve("GET", RequestPath("/things/42")) else { Issue.record("no route"); return }
        #expect(one.access == 1 && parameters == ["id": "42"])
        guard case .methodNotAllowed(let allowed) = table.resolve("DELETE", RequestPath("/things/latest")) else { Issue.record("not a 405"); return }
        #expect(allowed == ["POST", "GET"])
        guard case .notFound = table.resolve("GET", RequestPath("/things/42/more")) else { Issue.record("not a 404"); return }
    }

    @Test func aFenceCoversEveryPathUnderItsPrefix() {
        var table = RouteTable<Void, String, Void>(unrouted: "anyone")
        table.fence("/v1", "enrolled")
        #expect(table.fence(for: RequestPath("/v1/nowhere/at/all")).access == "enrolled")
        #expect(table.fence(for: RequestPath("/v1")).access == "enrolled")
        #expect(table.fence(for: RequestPath("/v2/x")).access == "anyone")
        #expect(table.fence(for: RequestPath("/")).access == "anyone")
    }
}
