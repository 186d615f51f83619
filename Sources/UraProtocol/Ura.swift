/// What both ends of Ura's wire agree on: problem types, signed-object checks, message
/// composition and opening, the file formats, and the ledger's proofs. See README.md beside this file.
public enum Ura {
    /// The release this build belongs to.
    public static let version = "0.1.0"
}
