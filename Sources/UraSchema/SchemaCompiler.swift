import UraJSON

/// Turns registered schema documents into a `CompiledSchema`: parses and checks every keyword
/// once, resolves `$ref`s to node indices (memoised by location, which also ties recursive
/// schemas into cycles) and prepares the `$dynamicAnchor` tables `$dynamicRef` needs.
final class SchemaCompiler {
    typealias Location = SchemaRegistry.Location

    private let registry: SchemaRegistry
    private let options: ValidatorOptions
    private var nodes: [SchemaNode] = []
    private var memo: [Location: Int32] = [:]
    private var resourceIndex: [String: Int32] = [:]
    private var resourceURIs: [String] = []
    private var dynamicAnchorNames: Set<String> = []
    private var vocabularyCache: [Int: Vocabularies] = [:]
    private var patternCache: [String: Pattern] = [:]

    init(registry: SchemaRegistry, options: ValidatorOptions) {
        self.registry = registry
        self.options = options
    }

    /// Compiles the schema `uri` designates (a resource URI, optionally with a `#` fragment).
    func compile(_ uri: String) throws(SchemaError) -> CompiledSchema {
        let (resource, fragment) = URIReference.resolve(uri, against: uri)
        guard let location = registry.locate(resource: resource, fragment: fragment) else {
            throw SchemaError(.unknownSchema(uri), at: uri,
                              "no registered schema has the URI \(uri); register the document with this $id first (known: \(SchemaCompiler.sample(registry.identifiers)))")
        }
        let root = try compileNode(at: location)
        let tables = try compileDynamicAnchors()
        return CompiledSchema(nodes: nodes, root: root, dynamicAnchors: tables, options: options)
    }

    private static func sample(_ uris: [String]) -> String {
        let own = uris.filter { !$0.hasPrefix("https://json-schema.org/") }
        return own.isEmpty ? "none but the meta-schemas" : own.prefix(5).joined(separator: ", ") + (own.count > 5 ? ", …" : "")
    }

    /// For every resource a compiled node belongs to and every anchor name a `$dynamicRef` looks
    /// for, compiles the resource's `$dynamicAnchor` of that name (which may add resources and
    /// names, hence the loop).
    private func compileDynamicAnchors() throws(SchemaError) -> [[String: Int32]] {
        var tables: [[String: Int32]] = []
        var done: Set<String> = []
        var changed = true
        while changed {
            changed = false
            var resource = 0
            while resource < resourceURIs.count {
                if tables.count <= resource { tables.append([:]) }
                for name in dynamicAnchorNames {
                    let key = resourceURIs[resource] + "#" + name
                    guard !done.contains(key) else { continue }
                    done.insert(key)
                    changed = true
                    if registry.dynamicAnchors.contains(key), let location = registry.anchors[key] {
                        tables[resource][name] = try compileNode(at: location)
                    }
                }
                resource += 1
            }
        }
        while tables.count < resourceURIs.count { tables.append([:]) }
        return tables
    }

    // MARK: - Nodes

    private func compileNode(at location: Location) throws(SchemaError) -> Int32 {
        if let index = memo[location] { return index }
        guard let value = registry.value(at: location) else {
            throw SchemaError(.unknownSchema(location.pointer), at: registry.baseURI(at: location) + "#" + location.pointer,
                              "nothing at this location")
        }
        let base = registry.baseURI(at: location)
        let index = Int32(nodes.count)
        memo[location] = index
        let resource = resourceNumber(base)
        nodes.append(SchemaNode(checks: [], resource: resource, tracksEvaluation: false))

        var relative = location.pointer
        if let root = registry.resources[base], root.document == location.document, location.pointer.hasPrefix(root.pointer) {
            relative = String(location.pointer.dropFirst(root.pointer.count))
        }
        let schema = SchemaSource(location: location, base: base, relativePointer: relative)
        switch value {
        case .bool(true):
            break
        case .bool(false):
            nodes[Int(index)].checks = [SchemaCheck(kind: .never, site: KeywordSite(keyword: "false", schemaPath: relative, resourceURI: base))]
        case .object(let object):
            let (checks, tracks) = try compileKeywords(object, schema)
            nodes[Int(index)].checks = checks
            nodes[Int(index)].tracksEvaluation = tracks
        default:
            throw SchemaError(.invalidKeyword(relative), at: schema.uri(""),
                              "a schema must be an object or a boolean, not \(value.typeName)")
        }
        return index
    }

    private func resourceNumber(_ uri: String) -> Int32 {
        if let index = resourceIndex[uri] { return index }
        let index = Int32(resourceURIs.count)
        resourceURIs.append(uri)
        resourceIndex[uri] = index
        return index
    }

    /// Where the object being compiled is: for child locations and keyword sites.
    private struct SchemaSource {
        let location: Location
        let base: String
        let relativePointer: String

        func site(_ keyword: String) -> KeywordSite {
            KeywordSite(keyword: keyword, schemaPath: relativePointer + "/" + JSONPointer.escape(keyword), resourceURI: base)
        }

        func child(_ tokens: String...) -> Location {
            Location(document: location.document, pointer: location.pointer + tokens.map { "/" + JSONPointer.escape($0) }.joined())
        }

        func uri(_ keyword: String) -> String {
            base + "#" + relativePointer + (keyword.isEmpty ? "" : "/" + JSONPointer.escape(keyword))
        }

        func invalid(_ keyword: String, _ message: String) -> SchemaError {
            SchemaError(.invalidKeyword(keyword), at: uri(keyword), message)
        }
    }

    private func compileKeywords(_ object: JSONObject, _ schema: SchemaSource) throws(SchemaError) -> ([SchemaCheck], Bool) {
        let vocabularies = try vocabularies(of: schema.location.document)
        var checks: [SchemaCheck] = []
        func add(_ keyword: String, _ kind: SchemaCheck.Kind) { checks.append(SchemaCheck(kind: kind, site: schema.site(keyword))) }

        if vocabularies.contains(.validation) {
            try compileValidation(object, schema, add)
        }
        if let format = object["format"], vocabularies.contains(.formatAnnotation) || vocabularies.contains(.formatAssertion) {
            guard case .string(let name) = format else { throw schema.invalid("format", "format must be a string naming a format, not \(format)") }
            if options.formatAssertion || vocabularies.contains(.formatAssertion), let known = StringFormat(rawValue: name) {
                add("format", .format(known))
            }
        }
        if let ref = object["$ref"] {
            guard case .string(let text) = ref else { throw schema.invalid("$ref", "$ref must be a string URI reference, not \(ref)") }
            add("$ref", .ref(try compileReference(text, keyword: "$ref", schema).node))
        }
        if let ref = object["$dynamicRef"] {
            guard case .string(let text) = ref else { throw schema.invalid("$dynamicRef", "$dynamicRef must be a string URI reference, not \(ref)") }
            let (node, resource, fragment) = try compileReference(text, keyword: "$dynamicRef", schema)
            if let fragment, !fragment.hasPrefix("/"), registry.dynamicAnchors.contains(resource + "#" + fragment) {
                dynamicAnchorNames.insert(fragment)
                add("$dynamicRef", .dynamicRef(initial: node, anchor: fragment))
            } else {
                add("$dynamicRef", .ref(node))
            }
        }
        var tracks = false
        if vocabularies.contains(.applicator) {
            try compileApplicators(object, schema, vocabularies, add)
        }
        if vocabularies.contains(.unevaluated) {
            if object["unevaluatedItems"] != nil {
                add("unevaluatedItems", .unevaluatedItems(try compileNode(at: schema.child("unevaluatedItems"))))
                tracks = true
            }
            if object["unevaluatedProperties"] != nil {
                add("unevaluatedProperties", .unevaluatedProperties(try compileNode(at: schema.child("unevaluatedProperties"))))
                tracks = true
            }
        }
        // `$defs` are compiled when referenced; checking them all here would reject documents for
        // a mistake in a definition nobody uses.
        return (checks, tracks)
    }

    private func compileValidation(_ object: JSONObject, _ schema: SchemaSource, _ add: (String, SchemaCheck.Kind) -> Void) throws(SchemaError) {
        if let type = object["type"] {
            add("type", .type(try typeSet(type, schema)))
        }
        if let value = object["const"] { add("const", .const(value)) }
        if let value = object["enum"] {
            guard case .array(let values) = value else { throw schema.invalid("enum", "enum must be an array of the allowed values, not \(value.typeName)") }
            let strings = values.compactMap(\.stringValue)
            if strings.count == values.count && !values.isEmpty {
                add("enum", .stringEnumeration(Set(strings), strings))
            } else {
                add("enum", .enumeration(values))
            }
        }
        if let value = object["multipleOf"] {
            guard case .number(let n) = value, n > 0, n.isFinite else { throw schema.invalid("multipleOf", "multipleOf must be a number greater than 0, not \(value)") }
            add("multipleOf", .multipleOf(n))
        }
        let bounds: [(String, (Double) -> SchemaCheck.Kind)] = [
            ("maximum", SchemaCheck.Kind.maximum), ("exclusiveMaximum", SchemaCheck.Kind.exclusiveMaximum),
            ("minimum", SchemaCheck.Kind.minimum), ("exclusiveMinimum", SchemaCheck.Kind.exclusiveMinimum),
        ]
        for (keyword, make) in bounds {
            guard let value = object[keyword] else { continue }
            guard case .number(let n) = value else { throw schema.invalid(keyword, "\(keyword) must be a number, not \(value)") }
            add(keyword, make(n))
        }
        let counts: [(String, (Int) -> SchemaCheck.Kind)] = [
            ("maxLength", SchemaCheck.Kind.maxLength), ("minLength", SchemaCheck.Kind.minLength),
            ("maxItems", SchemaCheck.Kind.maxItems), ("minItems", SchemaCheck.Kind.minItems),
            ("maxProperties", SchemaCheck.Kind.maxProperties), ("minProperties", SchemaCheck.Kind.minProperties),
        ]
        for (keyword, make) in counts {
            guard let value = object[keyword] else { continue }
            add(keyword, make(try count(value, keyword, schema)))
        }
        if let value = object["pattern"] {
            guard case .string(let source) = value else { throw schema.invalid("pattern", "pattern must be a string holding a regular expression, not \(value)") }
            add("pattern", .pattern(try pattern(source, keyword: "pattern", schema)))
        }
        if let value = object["uniqueItems"] {
            guard case .bool(let unique) = value else { throw schema.invalid("uniqueItems", "uniqueItems must be true or false, not \(value)") }
            if unique { add("uniqueItems", .uniqueItems) }
        }
        if let value = object["required"] {
            add("required", .required(try stringArray(value, "required", schema)))
        }
        if let value = object["dependentRequired"] {
            guard case .object(let map) = value else { throw schema.invalid("dependentRequired", "dependentRequired must be an object of property name arrays, not \(value.typeName)") }
            var dependencies: [(property: String, requires: [String])] = []
            for key in map.keys { dependencies.append((key, try stringArray(map[key]!, "dependentRequired", schema))) }
            add("dependentRequired", .dependentRequired(dependencies))
        }
    }

    private func compileApplicators(_ object: JSONObject, _ schema: SchemaSource, _ vocabularies: Vocabularies,
                                    _ add: (String, SchemaCheck.Kind) -> Void) throws(SchemaError) {
        for keyword in ["allOf", "anyOf", "oneOf"] {
            guard let value = object[keyword] else { continue }
            guard case .array(let elements) = value, !elements.isEmpty else {
                throw schema.invalid(keyword, "\(keyword) must be a non-empty array of schemas, not \(value)")
            }
            var branches: [Int32] = []
            for i in elements.indices { branches.append(try compileNode(at: schema.child(keyword, String(i)))) }
            switch keyword {
            case "allOf": add(keyword, .allOf(branches))
            case "anyOf": add(keyword, .anyOf(branches))
            default: add(keyword, .oneOf(branches))
            }
        }
        if object["not"] != nil { add("not", .not(try compileNode(at: schema.child("not")))) }
        if object["if"] != nil {
            let condition = try compileNode(at: schema.child("if"))
            let then = object["then"] == nil ? nil : try compileNode(at: schema.child("then"))
            let otherwise = object["else"] == nil ? nil : try compileNode(at: schema.child("else"))
            add("if", .conditional(if: condition, then: then, else: otherwise))
        }
        if let value = object["dependentSchemas"] {
            guard case .object(let map) = value else { throw schema.invalid("dependentSchemas", "dependentSchemas must be an object of schemas, not \(value.typeName)") }
            var dependencies: [(property: String, schema: Int32)] = []
            for key in map.keys { dependencies.append((key, try compileNode(at: schema.child("dependentSchemas", key)))) }
            add("dependentSchemas", .dependentSchemas(dependencies))
        }

        var properties: [(name: String, schema: Int32, isFalse: Bool)] = []
        var patterns: [(pattern: Pattern, schema: Int32)] = []
        var additional: Int32?
        if let value = object["properties"] {
            guard case .object(let map) = value else { throw schema.invalid("properties", "properties must be an object of schemas, not \(value.typeName)") }
            for key in map.keys {
                properties.append((key, try compileNode(at: schema.child("properties", key)), map[key]! == .bool(false)))
            }
        }
        if let value = object["patternProperties"] {
            guard case .object(let map) = value else { throw schema.invalid("patternProperties", "patternProperties must be an object of schemas, not \(value.typeName)") }
            for key in map.keys {
                patterns.append((try pattern(key, keyword: "patternProperties", schema), try compileNode(at: schema.child("patternProperties", key))))
            }
        }
        if object["additionalProperties"] != nil {
            additional = try compileNode(at: schema.child("additionalProperties"))
        }
        if object["properties"] != nil || object["patternProperties"] != nil || additional != nil {
            let members = MembersCheck(properties: properties, propertySite: schema.site("properties"), patterns: patterns,
                                       additional: additional, additionalIsFalse: object["additionalProperties"] == .bool(false),
                                       additionalSite: schema.site("additionalProperties"))
            add(object["properties"] != nil ? "properties" : object["patternProperties"] != nil ? "patternProperties" : "additionalProperties",
                .members(members))
        }

        var prefix: [Int32] = []
        var rest: Int32?
        if let value = object["prefixItems"] {
            guard case .array(let elements) = value, !elements.isEmpty else { throw schema.invalid("prefixItems", "prefixItems must be a non-empty array of schemas, not \(value)") }
            for i in elements.indices { prefix.append(try compileNode(at: schema.child("prefixItems", String(i)))) }
        }
        if let value = object["items"] {
            guard value.isSchemaShaped else { throw schema.invalid("items", "items must be a schema (in draft 2020-12 an array of schemas is written prefixItems), not \(value.typeName)") }
            rest = try compileNode(at: schema.child("items"))
        }
        if !prefix.isEmpty || rest != nil {
            let items = ItemsCheck(prefix: prefix, rest: rest, restSite: schema.site("items"), restIsFalse: object["items"] == .bool(false))
            add(prefix.isEmpty ? "items" : "prefixItems", .items(items))
        }

        if object["contains"] != nil {
            var minimum = 1
            var maximum: Int?
            if vocabularies.contains(.validation) {
                if let value = object["minContains"] { minimum = try count(value, "minContains", schema) }
                if let value = object["maxContains"] { maximum = try count(value, "maxContains", schema) }
            }
            add("contains", .contains(try compileNode(at: schema.child("contains")), minimum: minimum, maximum: maximum))
        }
        if object["propertyNames"] != nil {
            add("propertyNames", .propertyNames(try compileNode(at: schema.child("propertyNames"))))
        }
    }

    // MARK: - References

    private func compileReference(_ text: String, keyword: String, _ schema: SchemaSource) throws(SchemaError) -> (node: Int32, resource: String, fragment: String?) {
        let (resource, fragment) = URIReference.resolve(text, against: schema.base)
        guard let target = registry.locate(resource: resource, fragment: fragment) else {
            let full = resource + (fragment.map { "#" + $0 } ?? "")
            let hint = registry.resources[resource] == nil
                ? "no registered schema has the $id \(resource); add that document to the registry or correct the reference"
                : "the document \(resource) is registered but has nothing at #\(fragment ?? ""); check the pointer or anchor name"
            throw SchemaError(.unresolvableReference(text), at: schema.uri(keyword), "\(keyword) '\(text)' resolves to \(full): \(hint)")
        }
        return (try compileNode(at: target), resource, fragment)
    }

    private func vocabularies(of document: Int) throws(SchemaError) -> Vocabularies {
        if let cached = vocabularyCache[document] { return cached }
        var result = Vocabularies.standard
        if case .object(let root) = registry.documents[document], let declared = root["$schema"] {
            guard case .string(let text) = declared else {
                throw SchemaError(.invalidKeyword("$schema"), at: registry.baseURI(at: .init(document: document, pointer: "")) + "#/$schema",
                                  "$schema must be the URI of a meta-schema, not \(declared)")
            }
            let uri = URIReference(text).withoutFragment.text
            if uri != MetaSchemas.draft202012 {
                result = try vocabularies(declaredBy: uri, as: text)
            }
        }
        vocabularyCache[document] = result
        return result
    }

    private func vocabularies(declaredBy uri: String, as written: String) throws(SchemaError) -> Vocabularies {
        guard let location = registry.resources[uri], case .object(let meta)? = registry.value(at: location) else {
            throw SchemaError(.unsupportedDialect(written), at: uri,
                              "$schema '\(written)' is not a registered meta-schema; write schemas for draft 2020-12 (\(MetaSchemas.draft202012)) or register the meta-schema")
        }
        guard case .object(let declared)? = meta["$vocabulary"] else { return .standard }
        var result: Vocabularies = [.core]
        for key in declared.keys {
            if let known = Vocabularies.byURI[key] {
                result.insert(known)
            } else if declared[key] == .bool(true) {
                throw SchemaError(.unsupportedDialect(written), at: uri,
                                  "the meta-schema \(uri) requires the vocabulary \(key), which this validator does not implement")
            }
        }
        return result
    }

    // MARK: - Keyword values

    private func typeSet(_ value: JSONValue, _ schema: SchemaSource) throws(SchemaError) -> TypeSet {
        func one(_ value: JSONValue) -> TypeSet? {
            guard case .string(let name) = value else { return nil }
            return TypeSet.names.first { $0.0 == name }?.1
        }
        if let single = one(value) { return single.contains(.number) ? single.union(.integer) : single }
        if case .array(let names) = value, !names.isEmpty {
            let types = names.compactMap(one)
            if types.count == names.count {
                return types.reduce(into: TypeSet()) { $0.formUnion($1.contains(.number) ? $1.union(.integer) : $1) }
            }
        }
        throw schema.invalid("type", "type must be one of null, boolean, integer, number, string, array, object (or a non-empty array of them), not \(value)")
    }

    private func count(_ value: JSONValue, _ keyword: String, _ schema: SchemaSource) throws(SchemaError) -> Int {
        guard case .number(let n) = value, n >= 0, n.rounded() == n else {
            throw schema.invalid(keyword, "\(keyword) must be a non-negative integer, not \(value)")
        }
        return n >= Double(Int.max) ? Int.max : Int(n)
    }

    private func stringArray(_ value: JSONValue, _ keyword: String, _ schema: SchemaSource) throws(SchemaError) -> [String] {
        guard case .array(let elements) = value else { throw schema.invalid(keyword, "\(keyword) must be an array of property names, not \(value.typeName)") }
        var names: [String] = []
        for element in elements {
            guard case .string(let name) = element else { throw schema.invalid(keyword, "\(keyword) must list property names as strings; \(element) is not a string") }
            names.append(name)
        }
        return names
    }

    private func pattern(_ source: String, keyword: String, _ schema: SchemaSource) throws(SchemaError) -> Pattern {
        if let cached = patternCache[source] { return cached }
        do {
            let compiled = try Pattern(source)
            patternCache[source] = compiled
            return compiled
        } catch {
            throw schema.invalid(keyword, "'\(source)' is not a valid ECMA-262 regular expression: \(error.reason)")
        }
    }
}
