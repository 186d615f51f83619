import UraJSON

/// A compiled schema, ready to check instances. Immutable and `Sendable`: compile once at start,
/// share it between threads, call it for every message.
public struct Validator: Sendable {
    private let schema: CompiledSchema
    /// The URI the validator was compiled from.
    public let uri: String

    init(schema: CompiledSchema, uri: String) {
        self.schema = schema
        self.uri = uri
    }

    /// Compiles a standalone schema document (plus whatever `registry` holds for its `$ref`s).
    public init(schema document: JSONValue, registry: SchemaRegistry = SchemaRegistry(),
                options: ValidatorOptions = ValidatorOptions()) throws(SchemaError) {
        var registry = registry
        let uri = try registry.add(document)
        self = try registry.compile(uri, options: options)
    }

    /// Every reason `instance` is invalid (up to `ValidatorOptions.maximumErrors`); empty when it
    /// is valid.
    public func validate(_ instance: JSONValue) -> [ValidationError] {
        var context = EvaluationContext(collecting: true, options: schema.options)
        var none: EvaluatedLocations?
        let valid = schema.evaluate(schema.root, instance, &context, &none)
        assert(valid == context.errors.isEmpty || context.errors.count >= schema.options.maximumErrors,
               "a failed evaluation must leave an error")
        return context.errors
    }

    /// Whether `instance` is valid; stops at the first failure and builds no messages.
    public func isValid(_ instance: JSONValue) -> Bool {
        var context = EvaluationContext(collecting: false, options: schema.options)
        var none: EvaluatedLocations?
        return schema.evaluate(schema.root, instance, &context, &none)
    }
}

extension SchemaRegistry {
    /// Compiles the schema `uri` names — a registered resource URI, optionally with a fragment
    /// (`…/envelope.schema.json#/$defs/agencyID`) — with every `$ref` resolved now, so a missing or
    /// malformed schema fails here, at start, and not while messages flow.
    public func compile(_ uri: String, options: ValidatorOptions = ValidatorOptions()) throws(SchemaError) -> Validator {
        let compiled = try SchemaCompiler(registry: self, options: options).compile(uri)
        return Validator(schema: compiled, uri: uri)
    }
}
