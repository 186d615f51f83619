/// What the caller of a route of the admin listener must be. `AdminHandler.admit` enforces it
/// before the route's handler runs; every request must also name the listener by its address.
enum AdminAccess: Sendable, Hashable {
    /// Anyone who reaches the listener (on loopback by default).
    case anyone
    /// A scraper on the gateway host (a loopback address) or a person signed in to the dashboard.
    case loopbackOrSession
    /// Anyone, when the dashboard is enabled (its login link).
    case dashboard
    /// A person signed in to the dashboard.
    case session
    /// A signed-in person's own form: a same-origin POST carrying the session's CSRF token.
    case sessionForm
    /// What a request no route answers needs before it learns so: a session when the dashboard is
    /// enabled (strangers learn nothing of its pages), nothing otherwise.
    case visitor
}
