/// Why provisioning did not happen: a sentence for the operator that names the file or argument and
/// what to do, and a kind that `ura` maps to its exit code. The library never prints or exits.
public struct ProvisioningError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// A file to create exists already (a gateway's keys are never replaced); nothing changed.
        case exists
        /// The data directory is not set up for this, or its CA or directory cannot be used.
        case notSetUp
        /// A file to read does not exist.
        case missingInput
        /// An argument cannot be used as given; the sentence starts with the argument's name
        /// (`name`, `kind`, `host`), so a command line can put its option in front.
        case invalidArgument
        /// An input (a certificate request, keys.json, a key file) is not what it should be.
        case invalidInput
        /// Reading or writing a file failed.
        case io
        /// Something that should not fail did (issuing a certificate from a working CA): a bug.
        case failed
    }

    public let kind: Kind
    public let description: String

    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
