/// A problem with a schema itself, found when it is registered or compiled: the schema cannot be
/// used until it is fixed, so these are thrown rather than reported per instance.
public struct SchemaError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Reason: Sendable, Equatable {
        /// A `$ref`/`$dynamicRef` (as written) that resolves to no registered schema.
        case unresolvableReference(String)
        /// A keyword whose value has the wrong form, e.g. `"type": 7` or a pattern that is no regex.
        case invalidKeyword(String)
        /// Two different schemas claim the same `$id` (or anchor).
        case duplicateIdentifier(String)
        /// `compile` was asked for a URI that no registered document has.
        case unknownSchema(String)
        /// `$schema` names a meta-schema that is not registered, or one that requires a vocabulary
        /// this validator does not implement.
        case unsupportedDialect(String)
        /// A file that could not be read or is not JSON.
        case unreadableFile(String)
    }

    public let reason: Reason
    /// Where: the absolute URI of the schema resource plus "#" and a JSON Pointer, or a file path.
    public let location: String
    /// What is wrong and what to do about it.
    public let message: String

    public init(_ reason: Reason, at location: String, _ message: String) {
        self.reason = reason
        self.location = location
        self.message = message
    }

    public var description: String { "\(location): \(message)" }
}
