/// What the caller of an API route must be. `GatewayAPI.admit` enforces it, once, before the
/// route's handler runs: the handlers never check who calls.
enum APIAccess: Sendable, Hashable {
    /// No certificate needed (the health checks).
    case anyone
    /// Any enrolled, active agency's certificate, a committee's too: what a request under `/v1`
    /// that no route answers needs before it learns so (strangers learn nothing of the routes).
    case enrolled
    /// An enrolled agency other than a regional committee.
    case agency
    /// The secretariat only; `purpose` completes "only the secretariat may …".
    case secretariat(purpose: String)
    /// The regional committees and the secretariat: de-identified figures.
    case statistics
    /// A peer gateway of another country (a participant of kind gateway): federation's relay.
    case peer

    /// Whether a regional committee's certificate reaches a route of this access.
    var admitsCommittees: Bool {
        switch self {
        case .anyone, .enrolled, .statistics: true
        case .agency, .secretariat, .peer: false
        }
    }
}
