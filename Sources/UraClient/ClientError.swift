import UraProtocol

/// Why a client operation failed: a sentence for the person (what was wrong, what to do) and its
/// kind. The library never prints and never exits: the command line maps the kind to an exit
/// code (`docs/cli.md`), a web client to a page.
public struct ClientError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure, for the caller to act on.
    public enum Kind: Sendable, CaseIterable {
        /// The gateway refused the request.
        case rejected
        /// What was asked cannot be done as asked (a type or recipient the catalogue does not know).
        case usage
        /// A signature, digest or structure does not check out.
        case verificationFailed
        /// An input is not what it should be (not JSON, not valid against its schema).
        case dataError
        /// An input file cannot be opened.
        case noInput
        /// The gateway cannot be reached or cannot take this now; a message is kept in the outbox.
        case unavailable
        /// A bug.
        case software
        /// A file to create exists already.
        case cannotCreate
        /// Reading or writing a local file failed.
        case ioError
        /// Nothing was sent or kept; try again later.
        case temporaryFailure
        /// The gateway answered something that does not check out.
        case protocolError
        /// Not permitted: certificate refused, agency suspended, or not allowed to this agency.
        case permission
        /// A local key or configuration file is missing or invalid.
        case configuration
    }

    public let message: String
    public let kind: Kind

    public init(_ message: String, _ kind: Kind) {
        self.message = message
        self.kind = kind
    }

    public var description: String { message }
}

extension ClientError {
    /// A signed object (`what`: "the directory", "the receipt", …) that did not check out.
    package init(signed what: String, _ failure: SignedObjectCheck.Failure, _ kind: Kind) {
        switch failure {
        case .noKeyID: self.init("\(what) names no signing key (kid); it cannot be checked", kind)
        case .unknownKey(_, let reason): self.init("\(what) \(reason)", kind)
        case .payload(let reason): self.init("\(what) is not well formed: \(reason)", kind)
        case .invalidSignature(let kid): self.init("the signature on \(what) does not verify with key \(kid)", kind)
        case .unsupported(let reason): self.init("\(what) does not check out: \(reason)", kind)
        }
    }
}
