import UraClient

/// The exit codes of `ura` (sysexits(3) where one fits), documented in `docs/cli.md`.
public enum ExitCode: Int32, Sendable, CaseIterable {
    /// Done.
    case success = 0
    /// The gateway refused the request (a problem document was printed).
    case rejected = 1
    /// `ura verify`: the signature, digest or structure does not check out.
    case verificationFailed = 2
    /// The command was typed wrong.
    case usage = 64
    /// An input file is not what it should be (not JSON, not valid against its schema).
    case dataError = 65
    /// An input file cannot be opened.
    case noInput = 66
    /// The gateway cannot be reached or cannot take the message now; `ura send` kept the message
    /// in the outbox.
    case unavailable = 69
    /// A bug: please report it.
    case software = 70
    /// A file to create exists already (`ura admin init` never replaces a gateway's keys).
    case cannotCreate = 73
    /// Reading or writing a local file (or standard output) failed.
    case ioError = 74
    /// Nothing was sent or kept; try again later: the gateway cannot be reached and there is no
    /// cached directory to seal with, or a recipient has no current encryption key.
    case temporaryFailure = 75
    /// The gateway answered something that does not check out (a receipt with a bad signature).
    case protocolError = 76
    /// Not permitted: the gateway did not accept the certificate, or this agency may not do this.
    case permission = 77
    /// A local key or configuration file is missing or invalid.
    case configuration = 78
}

extension ExitCode {
    /// The exit code of a client failure (`docs/cli.md`).
    init(_ kind: ClientError.Kind) {
        self = switch kind {
        case .rejected: .rejected
        case .usage: .usage
        case .verificationFailed: .verificationFailed
        case .dataError: .dataError
        case .noInput: .noInput
        case .unavailable: .unavailable
        case .software: .software
        case .cannotCreate: .cannotCreate
        case .ioError: .ioError
        case .temporaryFailure: .temporaryFailure
        case .protocolError: .protocolError
        case .permission: .permission
        case .configuration: .configuration
        }
    }
}
