import UraGatewayCore
import UraHTTPCore

/// The admin listener's routes: the machine endpoints, then the dashboard's pages (answered only
/// when the dashboard is enabled).
extension AdminHandler {
    typealias Routes = RouteTable<AdminHandler, AdminAccess, DashboardAccess.Session?>

    static let routeTable: Routes = {
        var table = Routes(unrouted: .visitor)
        table.get("/metrics", .loopbackOrSession) { admin, _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8", "Cache-Control": "no-store"],
                         body: Array(admin.gateway.events.metrics.render().utf8))
        }
        table.get("/healthz", .anyone) { _, _ in APIResponse.json(["status": "ok"]) }

        table.get("/login", .dashboard) { admin, r in try admin.pages.login(r.http) }
        table.get("/", .session) { admin, r in try admin.pages.overviewPage(try r.session) }
        table.get("/messages", .session) { admin, r in try admin.pages.messagesPage(r.http, try r.session) }
        table.get("/messages/{id}", .session) { admin, r in try admin.pages.messagePage(r["id"], try r.session) }
        table.get("/cases/{case}", .session) { admin, r in try admin.pages.casePage(r["case"], try r.session) }
        table.get("/trends", .session) { admin, r in try admin.pages.trendsPage(try r.session) }
        table.get("/statistics", .session) { admin, r in try admin.pages.statisticsPage(try r.session) }
        table.get("/statistics.csv", .session) { admin, r in try admin.pages.statisticsCSV(try r.session) }
        table.get("/deadlines", .session) { admin, r in try admin.pages.deadlinesPage(try r.session) }
        table.get("/dead-letters", .session) { admin, r in try admin.pages.deadLettersPage(r.http, try r.session) }
        table.get("/agencies", .session) { admin, r in try admin.pages.agenciesPage(r.http, try r.session) }
        table.get("/declarations", .session) { admin, r in try admin.pages.declarationsPage(r.http, try r.session) }
        table.post("/dead-letters/redrive", .sessionForm) { admin, r in try await admin.pages.redrive(r.http) }
        table.post("/logout", .sessionForm) { admin, r in try admin.pages.logout(try r.session) }
        return table
    }()

    /// Every route, listable (`GET /metrics`, …) with its access.
    static var routes: [Routes.Route] { routeTable.routes }

    /// The dashboard, for its routes: their access admits no request when it is not enabled.
    var pages: Dashboard {
        get throws(GatewayError) {
            guard let dashboard else { throw GatewayError(.internalError, "a dashboard route ran without the dashboard") }
            return dashboard
        }
    }
}
