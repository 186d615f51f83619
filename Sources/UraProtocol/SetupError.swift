/// Why a gateway or an agency's files cannot be set up or started: a sentence for the operator that
/// names the file or setting and what to do. `urad` prints it and exits 78; `ura admin` maps it to
/// its exit code.
public struct SetupError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
