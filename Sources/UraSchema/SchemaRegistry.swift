import Foundation
import UraJSON

/// The schema documents a validator may use, indexed by the absolute URIs that identify them and
/// their subschemas (`$id`, `$anchor`, `$dynamicAnchor`). Starts with the official draft 2020-12
/// meta-schemas, so `$schema` and `$ref` to them work offline.
///
/// A value type: copy it, add documents to the copy, compile validators from either.
public struct SchemaRegistry: Sendable {
    /// A schema inside a registered document: the document's index and an RFC 6901 pointer.
    struct Location: Hashable, Sendable {
        let document: Int
        let pointer: String
    }

    private(set) var documents: [JSONValue] = []
    /// Schema resources by absolute URI (no fragment): every `$id`, and each document's retrieval URI.
    private(set) var resources: [String: Location] = [:]
    /// `uri#name` for every `$anchor` and `$dynamicAnchor`.
    private(set) var anchors: [String: Location] = [:]
    /// The subset of `anchors` declared with `$dynamicAnchor`.
    private(set) var dynamicAnchors: Set<String> = []
    /// The base URI of every schema the walk found (keys of `resources` for resource roots).
    private(set) var baseURIs: [Location: String] = [:]

    /// A registry holding the draft 2020-12 meta-schemas.
    public init() {
        self = SchemaRegistry.standard
    }

    private init(empty: Void) {}

    private static let standard: SchemaRegistry = {
        var registry = SchemaRegistry(empty: ())
        for text in MetaSchemas.all {
            // The texts are constants of this module: failing here is a build defect, not input.
            try! registry.add(try! JSONValue(parsing: text))
        }
        return registry
    }()

    /// Every URI a schema can be compiled from (resources, not anchors), sorted.
    public var identifiers: [String] { resources.keys.sorted() }

    /// True when `uri` (without fragment) names a registered schema resource.
    public func contains(_ uri: String) -> Bool {
        resources[URIReference(uri).withoutFragment.text] != nil
    }

    /// Registers a schema document: its root under `$id` (resolved against `retrievalURI`) and
    /// `retrievalURI`, and every embedded `$id`, `$anchor` and `$dynamicAnchor`. A document with
    /// neither gets a `urn:ura:document:N` URI. Returns the URI its root is known by.
    @discardableResult
    public mutating func add(_ document: JSONValue, retrievalURI: String? = nil) throws(SchemaError) -> String {
        let index = documents.count
        let retrieval = retrievalURI.map { URIReference($0).withoutFragment.text } ?? "urn:ura:document:\(index)"
        var walk = Walk(document: index)
        try walk.visit(document, tokens: [], base: retrieval, isDocumentRoot: true)
        if walk.resources[retrieval] == nil { walk.resources[retrieval] = Location(document: index, pointer: "") }

        for (uri, location) in walk.resources where resources[uri] != nil {
            let existing = resources[uri]!
            // Registering the same document twice is harmless; two documents with one id are not.
            if JSONPointer.resolve(JSONPointer.tokens(existing.pointer) ?? [], in: documents[existing.document])
                != JSONPointer.resolve(JSONPointer.tokens(location.pointer) ?? [], in: document) {
                throw SchemaError(.duplicateIdentifier(uri), at: uri,
                                  "two different schemas are identified as \(uri); give one of them another $id")
            }
            return walk.rootURI ?? retrieval
        }
        for (anchor, _) in walk.anchors where anchors[anchor] != nil {
            throw SchemaError(.duplicateIdentifier(anchor), at: anchor,
                              "the anchor \(anchor) is declared by two registered schemas; rename one of them")
        }
        documents.append(document)
        resources.merge(walk.resources) { old, _ in old }
        anchors.merge(walk.anchors) { old, _ in old }
        dynamicAnchors.formUnion(walk.dynamicAnchors)
        baseURIs.merge(walk.baseURIs) { old, _ in old }
        return walk.rootURI ?? retrieval
    }

    /// Registers every `*.json` file under `directory` (recursively, in path order) whose root is an
    /// object with `$schema` or `$id`, with its `file://` URL as retrieval URI so relative `$ref`s
    /// between files work even without `$id`. Returns the URIs of the registered roots.
    @discardableResult
    public mutating func addDirectory(_ directory: URL) throws(SchemaError) -> [String] {
        let files: [URL]
        do {
            files = try SchemaRegistry.jsonFiles(under: directory)
        } catch {
            throw SchemaError(.unreadableFile(directory.path), at: directory.path,
                              "cannot list the schema directory: \(error.localizedDescription)")
        }
        var added: [String] = []
        for file in files {
            let document: JSONValue
            do {
                document = try JSONValue(parsing: try Data(contentsOf: file))
            } catch let error as JSONError {
                throw SchemaError(.unreadableFile(file.path), at: file.path, "the file is not valid JSON: \(error)")
            } catch {
                throw SchemaError(.unreadableFile(file.path), at: file.path, "cannot read the file: \(error.localizedDescription)")
            }
            guard case .object(let object) = document, object["$schema"] != nil || object["$id"] != nil else { continue }
            added.append(try add(document, retrievalURI: file.standardizedFileURL.absoluteString))
        }
        return added
    }

    private static func jsonFiles(under directory: URL) throws -> [URL] {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: directory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CocoaError(.fileNoSuchFile)
        }
        var result: [URL] = []
        for name in try manager.contentsOfDirectory(atPath: directory.path).sorted() {
            let url = directory.appendingPathComponent(name)
            var childIsDirectory: ObjCBool = false
            guard manager.fileExists(atPath: url.path, isDirectory: &childIsDirectory) else { continue }
            if childIsDirectory.boolValue {
                result += try jsonFiles(under: url)
            } else if name.hasSuffix(".json") {
                result.append(url)
            }
        }
        return result
    }

    // MARK: - Lookups for the compiler

    /// The JSON value at `location`.
    func value(at location: Location) -> JSONValue? {
        guard let tokens = JSONPointer.tokens(location.pointer) else { return nil }
        return JSONPointer.resolve(tokens, in: documents[location.document])
    }

    /// The location a resource URI plus fragment (`/pointer` or anchor name) designates.
    func locate(resource: String, fragment: String?) -> Location? {
        guard let root = resources[resource] else { return nil }
        guard let fragment else { return root }
        if fragment.hasPrefix("/") {
            guard let decoded = JSONPointer.percentDecoded(fragment), JSONPointer.tokens(decoded) != nil else { return nil }
            let location = Location(document: root.document, pointer: root.pointer + decoded)
            return value(at: location) == nil ? nil : location
        }
        return anchors[resource + "#" + fragment]
    }

    /// The base URI in effect at `location`: the one the walk recorded, or that of the closest
    /// enclosing schema it recorded (for pointers into places that are not subschemas).
    func baseURI(at location: Location) -> String {
        if let base = baseURIs[location] { return base }
        var tokens = JSONPointer.tokens(location.pointer) ?? []
        while !tokens.isEmpty {
            tokens.removeLast()
            if let base = baseURIs[Location(document: location.document, pointer: JSONPointer.string(tokens))] { return base }
        }
        return "urn:ura:document:\(location.document)"
    }
}

// MARK: - Walking a document

extension SchemaRegistry {
    /// Keywords whose value is one subschema, an array of them, or an object of them. Only these
    /// are walked: an `$id` inside `enum`, `const` or an unknown keyword identifies nothing.
    static let singleSchemaKeywords: Set<String> = [
        "additionalProperties", "propertyNames", "items", "contains", "if", "then", "else", "not",
        "unevaluatedItems", "unevaluatedProperties", "contentSchema", "additionalItems",
    ]
    static let schemaArrayKeywords: Set<String> = ["allOf", "anyOf", "oneOf", "prefixItems", "items"]
    static let schemaMapKeywords: Set<String> = ["$defs", "definitions", "properties", "patternProperties", "dependentSchemas", "dependencies"]

    private struct Walk {
        let document: Int
        var resources: [String: Location] = [:]
        var anchors: [String: Location] = [:]
        var dynamicAnchors: Set<String> = []
        var baseURIs: [Location: String] = [:]
        var rootURI: String?

        init(document: Int) { self.document = document }

        mutating func visit(_ value: JSONValue, tokens: [String], base: String, isDocumentRoot: Bool = false) throws(SchemaError) {
            let location = Location(document: document, pointer: JSONPointer.string(tokens))
            guard case .object(let object) = value else {
                baseURIs[location] = base
                return
            }
            var base = base
            if let id = object["$id"] {
                guard case .string(let text) = id else {
                    throw SchemaError(.invalidKeyword("$id"), at: base + "#" + location.pointer, "$id must be a string URI reference, not \(id.typeName)")
                }
                let resolved = URIReference(text).resolved(against: URIReference(base))
                if let fragment = resolved.fragment, !fragment.isEmpty {
                    throw SchemaError(.invalidKeyword("$id"), at: base + "#" + location.pointer,
                                      "$id '\(text)' has a fragment; name the location with $anchor instead")
                }
                base = resolved.withoutFragment.text
                if let other = resources[base], other != location {
                    throw SchemaError(.duplicateIdentifier(base), at: base, "two schemas in one document have the $id \(base)")
                }
                resources[base] = location
                if isDocumentRoot { rootURI = base }
            }
            baseURIs[location] = base
            for keyword in ["$anchor", "$dynamicAnchor"] {
                guard let anchor = object[keyword] else { continue }
                guard case .string(let name) = anchor, SchemaRegistry.isAnchorName(name) else {
                    throw SchemaError(.invalidKeyword(keyword), at: base + "#" + location.pointer,
                                      "\(keyword) must be a name matching ^[A-Za-z_][-A-Za-z0-9._]*$, not \(anchor)")
                }
                let key = base + "#" + name
                if let other = anchors[key], other != location {
                    throw SchemaError(.duplicateIdentifier(key), at: key, "the anchor '\(name)' is declared twice in \(base)")
                }
                anchors[key] = location
                if keyword == "$dynamicAnchor" { dynamicAnchors.insert(key) }
            }
            for key in object.keys {
                let member = object[key]!
                if SchemaRegistry.schemaArrayKeywords.contains(key), case .array(let elements) = member {
                    for (i, element) in elements.enumerated() { try visit(element, tokens: tokens + [key, String(i)], base: base) }
                } else if SchemaRegistry.singleSchemaKeywords.contains(key) {
                    try visit(member, tokens: tokens + [key], base: base)
                } else if SchemaRegistry.schemaMapKeywords.contains(key), case .object(let map) = member {
                    for name in map.keys where map[name]!.isSchemaShaped {
                        try visit(map[name]!, tokens: tokens + [key, name], base: base)
                    }
                }
            }
        }
    }

    /// `$anchor` and `$dynamicAnchor` names: an XML NCName-like token (draft 2020-12 core §8.2.2).
    static func isAnchorName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || ("0"..."9").contains($0) || "-._".unicodeScalars.contains($0) }
    }
}

extension JSONValue {
    /// Objects and booleans are schemas; anything else in a schema position is not walked.
    var isSchemaShaped: Bool {
        switch self {
        case .object, .bool: true
        default: false
        }
    }
}
