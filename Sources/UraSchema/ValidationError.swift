/// One reason an instance does not satisfy a schema: where in the instance, which keyword of which
/// schema, and a sentence a person can act on.
public struct ValidationError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// JSON Pointer to the offending value, "" for the instance itself, e.g. "/to/1".
    public let instancePath: String
    /// The keyword that failed: "required", "type", "pattern", ... ("false" for a `false` schema).
    public let keyword: String
    /// JSON Pointer to the keyword inside the schema resource that holds it, e.g.
    /// "/properties/to/items/pattern" or "/$defs/agencyID/pattern".
    public let schemaPath: String
    /// The keyword's absolute location: the resource's URI, "#", and `schemaPath`.
    public let schemaLocation: String
    /// What is wrong, e.g. "'Al.Mepj' does not match the pattern ^[a-z][a-z0-9.-]*$".
    public let message: String

    public init(instancePath: String, keyword: String, schemaPath: String, schemaLocation: String, message: String) {
        self.instancePath = instancePath
        self.keyword = keyword
        self.schemaPath = schemaPath
        self.schemaLocation = schemaLocation
        self.message = message
    }

    /// "/to/1: 'Al.Mepj' does not match the pattern ^[a-z]…"; "(root)" names the whole instance.
    public var description: String { (instancePath.isEmpty ? "(root)" : instancePath) + ": " + message }
}
