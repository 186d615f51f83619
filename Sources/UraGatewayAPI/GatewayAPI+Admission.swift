import UraGatewayCore
import UraHTTPCore
import UraModel
import UraProtocol

/// Who may call what: the one place a route's `APIAccess` is enforced, before its handler runs.
extension GatewayAPI {
    /// The agency calling, when `access` admits it (nil for `.anyone`). Throws `CertificateRefusal`
    /// for a certificate that names no active agency, `forbidden` for an agency the route is not for.
    func admit(_ request: HTTPRequest, as access: APIAccess) throws -> Agency? {
        guard access != .anyone else { return nil }
        let agency: Agency
        do { agency = try authentication.agency(for: request) } catch { throw CertificateRefusal(problem: error) }
        // Regional committees receive de-identified figures and nothing else.
        if agency.kind == .committee && !access.admitsCommittees { throw GatewayError(.forbidden, Self.committeeRefusal) }
        switch access {
        case .anyone, .enrolled, .agency:
            break
        case .secretariat(let purpose):
            guard agency.kind == .secretariat else { throw GatewayError(.forbidden, "only the secretariat may \(purpose)") }
        case .peer:
            guard agency.isPeerGateway else { throw GatewayError(.forbidden, "only a peer gateway relays messages across the border") }
        case .statistics:
            guard agency.kind == .committee || agency.kind == .secretariat else {
                throw GatewayError(.forbidden, "statistics are for the regional committees and the secretariat")
            }
        }
        return agency
    }

    /// What a committee's certificate is told elsewhere: the routes it reads, from the table.
    static let committeeRefusal: String = {
        let paths = routes.filter { $0.access == .statistics }.map { "\($0.pattern)" }
        return "a regional committee's certificate reads \(paths.joined(separator: " and ")) only"
    }()
}

extension RouteRequest where Caller == Agency? {
    /// The agency the route's access admitted; every route but an `.anyone` one has one.
    var agency: Agency {
        get throws(GatewayError) {
            guard let caller else { throw GatewayError(.internalError, "the route \(http.method) \(http.path) admitted no agency") }
            return caller
        }
    }
}
