import UraGatewayCore
import UraModel

/// The API's routes: method, path, who may call, what answers. `Schemas/openapi.json` documents
/// exactly these (OpenAPIDocumentTests compares the two both ways).
extension GatewayAPI {
    typealias Routes = RouteTable<GatewayAPI, APIAccess, Agency?>

    static let routeTable: Routes = {
        var table = Routes(unrouted: .anyone)
        table.fence("/v1", .enrolled)

        table.get("/healthz", .anyone) { _, _ in APIResponse.json(["status": "ok"]) }
        table.get("/readyz", .anyone) { api, _ in try api.ready() }

        table.post("/v1/messages", .agency) { api, r in try await api.submit(r.http, try r.agency) }
        table.get("/v1/messages/{id}", .agency) { api, r in try api.messageStatus(r["id"], try r.agency) }
        table.get("/v1/inbox", .agency) { api, r in try await api.inbox(r.http, try r.agency) }
        table.post("/v1/inbox/{id}/ack", .agency) { api, r in try await api.acknowledge(r["id"], r.http, try r.agency) }
        table.get("/v1/receipts", .agency) { api, r in try api.receipts(r.http, try r.agency) }
        table.get("/v1/directory", .agency) { api, _ in APIResponse.jose(try api.gateway.signedDirectory()) }
        table.get("/v1/agencies/{agency}/keys", .agency) { api, r in try api.keys(r["agency"]) }
        table.get("/v1/ledger/checkpoint", .agency) { api, _ in try api.checkpoint() }
        table.get("/v1/ledger/proof", .agency) { api, r in try api.proof(r.http, try r.agency) }
        table.get("/v1/ledger/entries", .agency) { api, r in try api.entries(r.http, try r.agency) }

        // The SOP's procedures (GatewayAPI+Procedures.swift).
        table.post("/v1/declarations", .agency) { api, r in try await api.declare(r.http, try r.agency) }
        table.get("/v1/cases/{case}/declarations", .secretariat(purpose: "read the declarations of a case")) { api, r in
            try api.caseDeclarations(r["case"])
        }
        table.get("/v1/cases/{case}/timeline", .secretariat(purpose: "follow a case")) { api, r in try api.timeline(r["case"]) }
        table.get("/v1/stats", .statistics) { api, r in try api.statistics(r.http) }

        // The secretariat's monitor (GatewayAPI+Monitor.swift).
        let monitor = APIAccess.secretariat(purpose: "read the delivery monitor")
        table.get("/v1/monitor/overview", monitor) { api, r in try api.monitorOverview(r.http) }
        table.get("/v1/monitor/agencies", monitor) { api, r in try api.monitorAgencies(r.http) }
        table.get("/v1/monitor/deadlines", monitor) { api, r in try api.monitorDeadlines(r.http) }
        table.get("/v1/monitor/dead-letters", monitor) { api, r in try api.monitorDeadLetters(r.http) }
        table.get("/v1/monitor/ledger", monitor) { api, r in try api.monitorLedger(r.http) }
        table.get("/v1/monitor/messages", monitor) { api, r in try api.monitorMessages(r.http) }
        table.post("/v1/monitor/dead-letters/{message}/{recipient}/redrive", monitor) { api, r in
            try await api.redrive(message: r["message"], recipient: r["recipient"], by: try r.agency)
        }
        table.post("/v1/monitor/ledger/verify", monitor) { api, _ in try api.verifyLedger() }
        table.get("/v1/monitor/peers", monitor) { api, _ in APIResponse.json(try MonitorReport(gateway: api.gateway).peers()) }

        // Federation: a peer gateway relays its agencies' messages (GatewayAPI+Federation.swift).
        table.post("/v1/federation/messages", .peer) { api, r in try await api.relay(r.http, try r.agency) }
        table.post("/v1/federation/receipts", .peer) { api, r in try await api.forwardedReceipt(r.http, try r.agency) }
        return table
    }()

    /// Every route, listable (`GET /v1/inbox`, …) with its access.
    static var routes: [Routes.Route] { routeTable.routes }
}
