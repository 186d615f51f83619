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

@Suite struct RouteTests {
    @Test func segmentsAreSplitAndPercentDecodedOnlyWhereNeeded() {
        #expect(Route("/v1/agencies/al.police.dvp-tirane/keys").segments == ["v1", "agencies", "al.police.dvp-tirane", "keys"])
        #expect(Route("/v1/agencies/al%2Epolice.dvp-tirane/keys").capture("v1", "agencies", "*", "keys") == ["al.police.dvp-tirane"])
        #expect(Route("/v1/cases/AL%2D2026%2D000042/timeline").capture("v1", "cases", "*", "timeline") == ["AL-2026-000042"])
        // A malformed escape stays as sent (and then matches nothing that needs a valid id).
        #expect(Route("/v1/messages/%zz").segments == ["v1", "messages", "%zz"])
        #expect(Route("//v1///healthz/").segments == ["v1", "healthz"])
    }
}
