import UraBasics
import UraClient
import UraProtocol
import UraProvisioning

extension ProvisioningError {
    /// What `ura` reports for it: a usage error (exit 64) for an argument, named by its option;
    /// otherwise a `ClientError` whose kind gives the exit code (`docs/cli.md`).
    var commandLineError: any Error {
        switch kind {
        case .invalidArgument: UsageError("--" + description)
        case .exists: ClientError(description, .cannotCreate)
        case .notSetUp: ClientError(description, .configuration)
        case .missingInput: ClientError(description, .noInput)
        case .invalidInput: ClientError(description, .dataError)
        case .io: ClientError(description, .ioError)
        case .failed: ClientError(description, .software)
        }
    }
}

extension FileError {
    /// What `ura` reports for an input file it cannot use: missing (66), unreadable (74), or not
    /// what it should be (65).
    var inputError: ClientError {
        switch kind {
        case .missing: ClientError(description, .noInput)
        case .unreadable, .unwritable: ClientError(description, .ioError)
        case .invalid: ClientError(description, .dataError)
        }
    }
}

/// Runs a provisioning step, its error turned into what `ura` reports.
func provisioning<T>(_ step: () throws(ProvisioningError) -> T) throws -> T {
    do { return try step() } catch { throw error.commandLineError }
}
