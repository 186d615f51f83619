/// A request no route answers: nothing at its path (404), or nothing for its method there (405;
/// `allowed` lists the methods that are, for the `Allow` header).
struct UnroutedRequest: Error, Sendable {
    let method: String
    let path: RequestPath
    let allowed: [String]

    var isMethodNotAllowed: Bool { !allowed.isEmpty }

    /// The `Allow` header's value (RFC 9110 §10.2.1).
    var allowHeader: String { allowed.joined(separator: ", ") }
}
