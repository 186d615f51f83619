import UraJSON

extension SchemaRegistry {
    /// A schema as written, with the base URI its own relative `$ref`s resolve against.
    public struct Located: Sendable {
        public let schema: JSONValue
        public let base: String
    }

    /// The schema `reference` designates, resolved against `base` (an absolute URI, optionally
    /// with a `#/pointer` or anchor fragment): for tools that read a schema's structure (the desk
    /// draws forms from it) rather than validate with it. Nil when nothing is registered there.
    public func schema(_ reference: String, relativeTo base: String = "") -> Located? {
        let (resource, fragment) = URIReference.resolve(reference, against: base.isEmpty ? reference : base)
        guard let location = locate(resource: resource, fragment: fragment), let value = value(at: location) else { return nil }
        return Located(schema: value, base: baseURI(at: location))
    }
}
