import UraHTTPCore

/// A request the admin listener refuses before any route runs, with the answer it gets: a problem
/// document for the machine endpoints, a dashboard page for a person.
struct AdminRefusal: Error, Sendable {
    let response: HTTPResponse
}
