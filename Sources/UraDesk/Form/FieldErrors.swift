import UraSchema

/// The validator's findings placed on the form: each `ValidationError` at the pointer of the
/// field it concerns (a missing required property at the property itself, not its parent), with
/// a sentence in Albanian for its keyword and the validator's own sentence in English.
public struct FieldErrors: Sendable {
    public struct Message: Sendable, Equatable {
        public let sq: String
        public let en: String
    }

    /// Messages by JSON Pointer ("" for the form as a whole).
    public private(set) var byPointer: [String: [Message]] = [:]

    public init() {}

    public init(_ errors: [ValidationError]) {
        for error in errors {
            var pointer = error.instancePath
            if error.keyword == "required", let name = Self.quoted(error.message) {
                pointer += "/" + JSONPointerText.escape(name)
            }
            add(Self.sentence(error), at: pointer)
        }
    }

    public var isEmpty: Bool { byPointer.isEmpty }
    public var count: Int { byPointer.values.reduce(0) { $0 + $1.count } }

    public mutating func add(_ message: Message, at pointer: String) { byPointer[pointer, default: []].append(message) }

    public mutating func remove(_ pointer: String) { byPointer[pointer] = nil }

    public subscript(pointer: String) -> [Message] { byPointer[pointer] ?? [] }

    /// Moves every message to the closest pointer in `drawn` (a field the page shows), the form as
    /// a whole ("") when none is.
    func placed(on drawn: Set<String>) -> FieldErrors {
        var result = FieldErrors()
        for (pointer, messages) in byPointer {
            var target = pointer
            while !target.isEmpty && !drawn.contains(target) {
                target = String(target[..<(target.lastIndex(of: "/") ?? target.startIndex)])
            }
            for m in messages { result.add(m, at: target) }
        }
        return result
    }

    static func quoted(_ message: String) -> String? {
        guard let start = message.firstIndex(of: "'") else { return nil }
        let rest = message[message.index(after: start)...]
        guard let end = rest.firstIndex(of: "'") else { return nil }
        return String(rest[..<end])
    }

    static func sentence(_ error: ValidationError) -> Message {
        let sq: String = switch error.keyword {
        case "required": "Kjo fushë duhet plotësuar."
        case "type": "Vlera nuk është e llojit që pritet (p.sh. numër)."
        case "enum": "Zgjidhni një nga vlerat e listës."
        case "const": "Kjo duhet konfirmuar."
        case "pattern": "Vlera nuk ka formën e kërkuar."
        case "format": "Kjo nuk është një vlerë e vlefshme (data, ora, email ose identifikues)."
        case "minLength": "Teksti është shumë i shkurtër."
        case "maxLength": "Teksti është shumë i gjatë."
        case "minimum", "exclusiveMinimum": "Vlera është më e vogël se sa lejohet."
        case "maximum", "exclusiveMaximum": "Vlera është më e madhe se sa lejohet."
        case "minItems": "Duhen më shumë rreshta ose zgjedhje."
        case "maxItems": "Ka më shumë rreshta se sa lejohet."
        case "uniqueItems": "E njëjta vlerë është zgjedhur dy herë."
        case "additionalProperties", "unevaluatedProperties": "Kjo fushë nuk i përket këtij formulari."
        default: "Vlera nuk pranohet nga formulari."
        }
        let en = error.keyword == "required" ? "This field is required." : error.message
        return Message(sq: sq, en: en)
    }
}
