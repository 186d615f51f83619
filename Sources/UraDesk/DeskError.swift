/// Why the desk could not do something: a sentence for the person and its kind, which the page
/// turns into a status (the desk is an HTTP edge of its own: it never exits, never prints).
public struct DeskError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable {
        /// No such form, message, case or page.
        case notFound
        /// The request is not the session's own (foreign Host or Origin, no session, bad CSRF token).
        case forbidden
        /// What was posted cannot be used (a form that does not validate, a recipient not allowed).
        case invalid
        /// A schema construct the form generator does not draw.
        case unsupported
        /// The gateway or a local file failed; the sentence says what to do.
        case failed
    }

    public let message: String
    public let kind: Kind

    public init(_ message: String, _ kind: Kind) {
        self.message = message
        self.kind = kind
    }

    public var description: String { message }

    /// The HTTP status a page answering this error carries.
    public var status: Int {
        switch kind {
        case .notFound: 404
        case .forbidden: 403
        case .invalid: 422
        case .unsupported: 500
        case .failed: 502
        }
    }
}
