import UraJSON

/// A schema compiled for evaluation: a flat table of nodes, one per subschema reached from the
/// root, whose keywords are already parsed and whose references are node indices. Immutable after
/// compilation, so one instance serves any number of threads.
final class CompiledSchema: Sendable {
    let nodes: [SchemaNode]
    let root: Int32
    /// Per schema resource (by index), the node of each `$dynamicAnchor` name `$dynamicRef`s use.
    let dynamicAnchors: [[String: Int32]]
    /// False when no `$dynamicRef` needs the dynamic scope, so evaluation need not track it.
    let tracksDynamicScope: Bool
    let options: ValidatorOptions

    init(nodes: [SchemaNode], root: Int32, dynamicAnchors: [[String: Int32]], options: ValidatorOptions) {
        self.nodes = nodes
        self.root = root
        self.dynamicAnchors = dynamicAnchors
        self.tracksDynamicScope = dynamicAnchors.contains { !$0.isEmpty }
        self.options = options
    }
}

/// One compiled subschema.
struct SchemaNode: Sendable {
    /// Keywords in evaluation order; `unevaluatedItems`/`unevaluatedProperties` come last because
    /// they depend on what the others evaluated. A `true` schema has none.
    var checks: [SchemaCheck]
    /// Index of the schema resource (`$id` scope) the node belongs to, for `$dynamicRef`.
    var resource: Int32
    /// The node has `unevaluatedItems`/`unevaluatedProperties`, so it gathers what its in-place
    /// subschemas evaluated.
    var tracksEvaluation: Bool
}

/// Where a keyword is, for error reports.
final class KeywordSite: Sendable {
    let keyword: String
    let schemaPath: String
    let schemaLocation: String

    init(keyword: String, schemaPath: String, resourceURI: String) {
        self.keyword = keyword
        self.schemaPath = schemaPath
        self.schemaLocation = resourceURI + "#" + schemaPath
    }
}

/// One compiled keyword (or a group of keywords that are evaluated together).
struct SchemaCheck: Sendable {
    let kind: Kind
    let site: KeywordSite

    enum Kind: Sendable {
        /// The `false` schema.
        case never
        case type(TypeSet)
        case const(JSONValue)
        case enumeration([JSONValue])
        /// An `enum` of strings only: a hash lookup.
        case stringEnumeration(Set<String>, [String])
        case multipleOf(Double)
        case maximum(Double)
        case exclusiveMaximum(Double)
        case minimum(Double)
        case exclusiveMinimum(Double)
        case maxLength(Int)
        case minLength(Int)
        case pattern(Pattern)
        case format(StringFormat)
        case maxItems(Int)
        case minItems(Int)
        case uniqueItems
        case maxProperties(Int)
        case minProperties(Int)
        case required([String])
        case dependentRequired([(property: String, requires: [String])])
        case ref(Int32)
        /// A `$dynamicRef` whose initial target has a `$dynamicAnchor` of `anchor`.
        case dynamicRef(initial: Int32, anchor: String)
        case allOf([Int32])
        case anyOf([Int32])
        case oneOf([Int32])
        case not(Int32)
        case conditional(if: Int32, then: Int32?, else: Int32?)
        case dependentSchemas([(property: String, schema: Int32)])
        case items(ItemsCheck)
        case contains(Int32, minimum: Int, maximum: Int?)
        case members(MembersCheck)
        case propertyNames(Int32)
        case unevaluatedItems(Int32)
        case unevaluatedProperties(Int32)
    }
}

/// `prefixItems` and `items` of one schema. A class so a check costs one retain to read.
final class ItemsCheck: Sendable {
    let prefix: [Int32]
    let rest: Int32?
    /// Site of `items`, for the message when `items` is `false`.
    let restSite: KeywordSite?
    let restIsFalse: Bool

    init(prefix: [Int32], rest: Int32?, restSite: KeywordSite?, restIsFalse: Bool) {
        self.prefix = prefix
        self.rest = rest
        self.restSite = restSite
        self.restIsFalse = restIsFalse
    }
}

/// `properties`, `patternProperties` and `additionalProperties` of one schema, evaluated in one
/// pass over the instance's members.
final class MembersCheck: Sendable {
    let properties: [(name: String, schema: Int32, isFalse: Bool)]
    let propertySite: KeywordSite?
    let patterns: [(pattern: Pattern, schema: Int32)]
    let additional: Int32?
    let additionalIsFalse: Bool
    let additionalSite: KeywordSite?
    /// The names in `properties`, to find the additional members.
    let known: Set<String>

    init(properties: [(name: String, schema: Int32, isFalse: Bool)], propertySite: KeywordSite?,
         patterns: [(pattern: Pattern, schema: Int32)], additional: Int32?, additionalIsFalse: Bool,
         additionalSite: KeywordSite?) {
        self.properties = properties
        self.propertySite = propertySite
        self.patterns = patterns
        self.additional = additional
        self.additionalIsFalse = additionalIsFalse
        self.additionalSite = additionalSite
        self.known = Set(properties.map(\.name))
    }
}

/// The JSON types a `type` keyword allows.
struct TypeSet: OptionSet, Sendable {
    let rawValue: UInt8
    static let null = TypeSet(rawValue: 1)
    static let boolean = TypeSet(rawValue: 2)
    static let integer = TypeSet(rawValue: 4)
    static let number = TypeSet(rawValue: 8)
    static let string = TypeSet(rawValue: 16)
    static let array = TypeSet(rawValue: 32)
    static let object = TypeSet(rawValue: 64)

    static let names: [(String, TypeSet)] = [
        ("null", .null), ("boolean", .boolean), ("integer", .integer), ("number", .number),
        ("string", .string), ("array", .array), ("object", .object),
    ]

    /// The types `value` belongs to: an integral number is both an integer and a number.
    init(of value: JSONValue) {
        switch value {
        case .null: self = .null
        case .bool: self = .boolean
        case .number(let n): self = n.rounded() == n && n.isFinite ? [.integer, .number] : .number
        case .string: self = .string
        case .array: self = .array
        case .object: self = .object
        }
    }

    init(rawValue: UInt8) { self.rawValue = rawValue }

    /// "a string", "a string or null".
    var phrase: String {
        let words = TypeSet.names.filter { contains($0.1) && !($0.1 == .integer && contains(.number)) }.map(\.0)
        return words.map { TypeSet.article($0) + " " + $0 }.joined(separator: " or ")
    }

    static func article(_ word: String) -> String {
        ["array", "integer", "object"].contains(word) ? "an" : "a"
    }
}
