import UraJSON
import UraModel
import UraSchema

/// The form of one message type: its catalogue entry (SOP form letter, bilingual title), its fields
/// drawn from the body schema, and the project's validator for that schema.
public struct MessageForm: Sendable {
    public let type: MessageType
    public let entry: CatalogueEntry?
    public let root: FormField
    public let validator: Validator

    /// The form of `type` in `catalogue`.
    public init(type: MessageType, catalogue: MessageCatalogue) throws(DeskError) {
        guard let entry = catalogue.catalogue.entries.first(where: { $0.type == type }), let validator = catalogue.bodyValidator(for: type) else {
            throw DeskError("'\(type)' is not a message type of the catalogue", .notFound)
        }
        self.type = type
        self.entry = entry
        self.validator = validator
        root = try FormField.root(schema: entry.schema, registry: catalogue.registry, words: catalogue.words)
    }

    /// The form of any schema `uri` of the registry (the gateway's own notices have no catalogue
    /// entry), labelled in Albanian from `words` where the schema does not say.
    public init(schema uri: String, type: MessageType, registry: SchemaRegistry, words: AlbanianWords) throws(DeskError) {
        self.type = type
        entry = nil
        do { validator = try registry.compile(uri) } catch { throw DeskError("the schema \(uri) does not compile: \(error)", .unsupported) }
        root = try FormField.root(schema: uri, registry: registry, words: words)
    }

    /// The fields the person fills in below the envelope: the form without its `case`, which is
    /// the envelope's case reference (typed once, above).
    public var body: FormField { root.without("case") }

    /// Whether the form has a `case` of its own (filled in from the envelope's).
    public var hasCase: Bool {
        if case .object(let fields) = root.kind { return fields.contains { $0.name == "case" } }
        return false
    }

    /// The form's value from a post of `body`, with the envelope's case reference as its `case`.
    public func value(_ posted: PostedForm, caseReference: String) -> JSONValue {
        var value = body.decode(posted)
        if hasCase, !caseReference.isEmpty, case .object(var object) = value {
            var ordered = JSONObject([("case", .string(caseReference))])
            for (k, v) in object where k != "case" { ordered[k] = v }
            object = ordered
            value = .object(object)
        }
        return value
    }

    /// The validator's findings, placed on the fields.
    public func check(_ value: JSONValue) -> FieldErrors { FieldErrors(validator.validate(value)) }

    /// "A1 — Deklaratë … / Confidentiality declaration" as HTML.
    public var titleHTML: String {
        guard let entry else { return HTML.escape(type.rawValue) }
        return (entry.form.map { "<b class=\"form\">\(HTML.escape($0))</b> " } ?? "") + HTML.label(entry.titleSq, entry.title)
    }

    /// Applies a row button's `action` ("add:/pointer" or "remove:/pointer/index") to `value`, the
    /// form as posted with its empty rows kept; any other action leaves it unchanged.
    public static func apply(_ action: String, to value: JSONValue) -> JSONValue {
        if action.hasPrefix("add:") {
            let tokens = Self.tokens(String(action.dropFirst(4)))
            return edit(value, tokens) { rows in (rows ?? []) + [.null] }
        }
        if action.hasPrefix("remove:") {
            var tokens = Self.tokens(String(action.dropFirst(7)))
            guard let last = tokens.popLast(), let index = Int(last) else { return value }
            return edit(value, tokens) { rows in
                guard var rows, rows.indices.contains(index) else { return rows ?? [] }
                rows.remove(at: index)
                return rows
            }
        }
        return value
    }

    static func tokens(_ pointer: String) -> [String] {
        pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst().map { JSONPointerText.unescape(String($0)) }
    }

    static func edit(_ value: JSONValue, _ tokens: ArraySlice<String>, _ change: ([JSONValue]?) -> [JSONValue]) -> JSONValue {
        guard let first = tokens.first else { return .array(change(value.arrayValue)) }
        switch value {
        case .array(var rows):
            guard let i = Int(first), rows.indices.contains(i) else { return value }
            rows[i] = edit(rows[i], tokens.dropFirst(), change)
            return .array(rows)
        case .object(var object):
            object[first] = edit(object[first] ?? (tokens.count > 1 ? .object([:]) : .null), tokens.dropFirst(), change)
            return .object(object)
        case .null:
            return edit(.object([:]), tokens, change)
        default:
            return value
        }
    }

    static func edit(_ value: JSONValue, _ tokens: [String], _ change: ([JSONValue]?) -> [JSONValue]) -> JSONValue {
        edit(value, tokens[...], change)
    }
}
