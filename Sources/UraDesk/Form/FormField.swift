import UraJSON
import UraSchema

/// One field of a form, read from its JSON Schema (2020-12): what the person fills in, how it is
/// shown (the kind), its labels and help, and the constraints the page can hint at. The validator
/// stays the judge; the field only draws the input and reads it back.
public struct FormField: Sendable {
    public indirect enum Kind: Sendable {
        /// A line or an area of text; `inputType` is the HTML input type (text, email, date, datetime-local).
        case text(inputType: String, multiline: Bool)
        case number(integer: Bool)
        /// true, false or not given.
        case boolean
        /// A value that must be exactly this (`const: true` is a box to tick).
        case constant(JSONValue)
        /// One of the `enum` values (a select).
        case choice([JSONValue])
        /// Several of the `enum` values (an array of an enum: boxes to tick).
        case choices([JSONValue])
        case object([FormField])
        /// Rows of `item`, added and removed with buttons that post the form (no script needed).
        case array(item: FormField, minItems: Int)
        /// Anything the generator cannot draw (a schema with no type): edited as JSON text.
        case json
    }

    /// The property name ("" for the root and for array items).
    public let name: String
    public let kind: Kind
    public var required: Bool
    /// The schema's `title` (English) and `x-title-sq` (Albanian, else the catalogue's
    /// `words.sq.json` for the property name), when there are.
    public let title: String?
    public let titleSq: String?
    public let description: String?
    public let pattern: String?
    public let minimum: Double?
    public let maximum: Double?
    public let maxLength: Int?
    /// Marked `x-personal`: shown with a mark, as it identifies the person.
    public let personal: Bool
    /// Titles of enum values, by value: from a `oneOf`/`anyOf` of `const`s with `title` (and
    /// `x-title-sq`), or from `x-enum-titles` / `x-enum-titles-sq` objects beside an `enum`; the
    /// Albanian of a value the schema does not title from the catalogue's `words.sq.json`.
    public var optionTitles: [String: OptionTitle] = [:]

    public struct OptionTitle: Sendable, Equatable {
        public let sq: String?
        public let en: String?
    }

    /// The words for one of this field's values.
    func words(for raw: String) -> (sq: String?, en: String) {
        let own = optionTitles[raw]
        return (own?.sq, own?.en ?? FieldWords.readable(raw))
    }

    /// This object without its property `name`.
    func without(_ name: String) -> FormField {
        guard case .object(let fields) = kind else { return self }
        return FormField(name: self.name, kind: .object(fields.filter { $0.name != name }), required: required, title: title, titleSq: titleSq,
                         description: description, pattern: pattern, minimum: minimum, maximum: maximum, maxLength: maxLength, personal: personal,
                         optionTitles: optionTitles)
    }

    /// The fields of the schema at `uri` (an absolute URI from `registry`), labelled in Albanian
    /// from `words` where the schema does not say.
    public static func root(schema uri: String, registry: SchemaRegistry, words: AlbanianWords) throws(DeskError) -> FormField {
        guard let located = registry.schema(uri) else { throw DeskError("the schema \(uri) is not loaded", .notFound) }
        var builder = Builder(registry: registry, words: words)
        return try builder.field(name: "", located.schema, base: located.base, required: true, depth: 0)
    }

    struct Builder {
        let registry: SchemaRegistry
        let words: AlbanianWords

        /// The schema with its `$ref` followed, the sibling keywords taking precedence (a property's
        /// own description over the referenced definition's).
        func merged(_ schema: JSONValue, base: String, depth: Int = 0) throws(DeskError) -> (JSONObject, String) {
            guard var object = schema.objectValue else { return ([:], base) }
            guard let ref = object["$ref"]?.stringValue else { return (object, base) }
            guard depth < 16, let target = registry.schema(ref, relativeTo: base) else {
                throw DeskError("the schema reference \(ref) (from \(base)) cannot be resolved", .notFound)
            }
            let (resolved, resolvedBase) = try merged(target.schema, base: target.base, depth: depth + 1)
            object["$ref"] = nil
            var result = resolved
            for (key, value) in object { result[key] = value }
            return (result, object.isEmpty ? resolvedBase : resolvedBase)
        }

        mutating func field(name: String, _ schema: JSONValue, base: String, required: Bool, depth: Int) throws(DeskError) -> FormField {
            guard depth < 12 else { throw DeskError("the schema nests deeper than the desk draws (\(base))", .unsupported) }
            let (s, base) = try merged(schema, base: base)
            let types = s["type"].map { t in t.arrayValue?.compactMap(\.stringValue) ?? [t.stringValue ?? ""] } ?? []
            let kind: Kind
            var titles: [String: OptionTitle] = [:]
            let branches = (s["oneOf"] ?? s["anyOf"])?.arrayValue ?? []
            let constants = branches.compactMap { $0["const"] }
            if let value = s["const"] {
                kind = .constant(value)
            } else if let values = s["enum"]?.arrayValue {
                kind = .choice(values)
                for value in values {
                    let raw = FormField.text(of: value)
                    let en = s["x-enum-titles"]?[raw]?.stringValue, sq = s["x-enum-titles-sq"]?[raw]?.stringValue
                    if en != nil || sq != nil { titles[raw] = OptionTitle(sq: sq, en: en) }
                }
            } else if !branches.isEmpty, constants.count == branches.count {
                kind = .choice(constants)
                for branch in branches {
                    guard let value = branch["const"] else { continue }
                    titles[FormField.text(of: value)] = OptionTitle(sq: branch["x-title-sq"]?.stringValue, en: branch["title"]?.stringValue)
                }
            } else if types.contains("object") || s["properties"] != nil {
                let required = Set(s["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
                var fields: [FormField] = []
                for (key, value) in s["properties"]?.objectValue ?? [:] {
                    fields.append(try field(name: key, value, base: base, required: required.contains(key), depth: depth + 1))
                }
                kind = .object(fields)
            } else if types.contains("array") {
                let item = try field(name: "", s["items"] ?? .object([:]), base: base, required: true, depth: depth + 1)
                if case .choice(let values) = item.kind {
                    kind = .choices(values)
                    titles = item.optionTitles
                } else {
                    kind = .array(item: item, minItems: s["minItems"]?.intValue ?? 0)
                }
            } else if types.contains("integer") {
                kind = .number(integer: true)
            } else if types.contains("number") {
                kind = .number(integer: false)
            } else if types.contains("boolean") {
                kind = .boolean
            } else if types.contains("string") {
                let format = s["format"]?.stringValue
                let inputType = switch format {
                case "date": "date"
                case "date-time": "datetime-local"
                case "email": "email"
                default: "text"
                }
                let long = (s["maxLength"]?.intValue ?? 0) > 200
                kind = .text(inputType: inputType, multiline: long)
            } else {
                kind = .json
            }
            if case .choice(let values) = kind { titles = withAlbanian(titles, for: values) }
            if case .choices(let values) = kind { titles = withAlbanian(titles, for: values) }
            return FormField(name: name, kind: kind, required: required, title: s["title"]?.stringValue,
                             titleSq: s["x-title-sq"]?.stringValue ?? (name.isEmpty ? nil : words.fields[name]),
                             description: s["description"]?.stringValue, pattern: s["pattern"]?.stringValue,
                             minimum: s["minimum"]?.numberValue, maximum: s["maximum"]?.numberValue, maxLength: s["maxLength"]?.intValue,
                             personal: s["x-personal"]?.boolValue ?? false, optionTitles: titles)
        }

        /// The values' own titles, with the Albanian of those the schema does not title in Albanian.
        func withAlbanian(_ titles: [String: OptionTitle], for values: [JSONValue]) -> [String: OptionTitle] {
            var titles = titles
            for value in values {
                let raw = FormField.text(of: value)
                guard titles[raw]?.sq == nil, let sq = words.values[raw] else { continue }
                titles[raw] = OptionTitle(sq: sq, en: titles[raw]?.en)
            }
            return titles
        }
    }
}
