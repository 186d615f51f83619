import Foundation
import UraJSON
import UraModel

/// Reading a posted form back into the JSON value its schema describes, and the reverse (a value
/// into the fields a browser would post, for drafts and tests). Field names are `f` + the JSON
/// Pointer of the value (`f/person/given_name`); an array's row count is `n` + its pointer.
extension FormField {
    /// The form's value: numbers as numbers (text that is not one stays text, for the validator
    /// to name), booleans, ticked constants, chosen enum values; empty inputs, rows and objects left
    /// out. `keepRows` keeps empty rows as null (re-drawing the form after "add row").
    public func decode(_ form: PostedForm, keepRows: Bool = false) -> JSONValue {
        decode(form, "", keepRows: keepRows) ?? .object([:])
    }

    func decode(_ form: PostedForm, _ pointer: String, keepRows: Bool) -> JSONValue? {
        let key = "f" + pointer
        switch kind {
        case .text(let inputType, _):
            guard let text = form[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
            return .string(inputType == "datetime-local" ? Self.dateTime(fromInput: text) : text)
        case .number:
            guard let text = form[key]?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
            if let number = Double(text), number.isFinite { return .number(number) }
            return .string(text)
        case .boolean:
            switch form[key] {
            case "true": return .bool(true)
            case "false": return .bool(false)
            default: return nil
            }
        case .constant(let value):
            return form[key] == nil ? nil : value
        case .choice(let values):
            guard let text = form[key], !text.isEmpty else { return nil }
            return values.first { Self.text(of: $0) == text } ?? .string(text)
        case .choices(let values):
            let ticked = Set(form.all(key))
            let chosen = values.filter { ticked.contains(Self.text(of: $0)) }
            return chosen.isEmpty ? nil : .array(chosen)
        case .object(let fields):
            var object = JSONObject()
            for field in fields {
                if let value = field.decode(form, pointer + "/" + JSONPointerText.escape(field.name), keepRows: keepRows) { object[field.name] = value }
            }
            return object.isEmpty && !(pointer.isEmpty) ? nil : .object(object)
        case .array(let item, _):
            let count = min(Int(form["n" + pointer] ?? "") ?? 0, Self.maximumRows)
            let rows = (0..<max(0, count)).map { item.decode(form, pointer + "/\($0)", keepRows: keepRows) }
            if keepRows { return rows.isEmpty ? nil : .array(rows.map { $0 ?? .null }) }
            let kept = rows.compactMap { $0 }
            return kept.isEmpty ? nil : .array(kept)
        case .json:
            guard let text = form[key]?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
            return (try? JSONValue(parsing: text)) ?? .string(text)
        }
    }

    /// The fields a browser posts for `value` drawn by this form.
    public func encode(_ value: JSONValue) -> PostedForm {
        var form = PostedForm()
        encode(value, "", into: &form)
        return form
    }

    func encode(_ value: JSONValue, _ pointer: String, into form: inout PostedForm) {
        let key = "f" + pointer
        switch kind {
        case .text(let inputType, _):
            guard let text = value.stringValue else { return form.append(key, Self.text(of: value)) }
            form.append(key, inputType == "datetime-local" ? Self.inputValue(ofDateTime: text) : text)
        case .number, .boolean, .choice, .json:
            if case .json = kind { form.append(key, value.serializedString()) } else { form.append(key, Self.text(of: value)) }
        case .constant:
            form.append(key, "on")
        case .choices:
            for item in value.arrayValue ?? [] { form.append(key, Self.text(of: item)) }
        case .object(let fields):
            for field in fields {
                if let member = value[field.name] { field.encode(member, pointer + "/" + JSONPointerText.escape(field.name), into: &form) }
            }
        case .array(let item, _):
            let rows = value.arrayValue ?? []
            form.append("n" + pointer, String(rows.count))
            for (i, row) in rows.enumerated() { item.encode(row, pointer + "/\(i)", into: &form) }
        }
    }

    /// At most this many rows per array are read from a post.
    static let maximumRows = 200

    /// How an enum value or a number is written into an input.
    static func text(of value: JSONValue) -> String {
        switch value {
        case .string(let s): s
        case .number(let n): n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
        case .bool(let b): b ? "true" : "false"
        case .null: ""
        default: value.serializedString()
        }
    }

    /// A `datetime-local` input's value (`2026-11-23T09:15` or with seconds), read as UTC.
    static func dateTime(fromInput text: String) -> String {
        let local = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/
        guard text.wholeMatch(of: local) != nil else { return text }
        return (text.count == 16 ? text + ":00" : text) + "Z"
    }

    /// An RFC 3339 date-time as a `datetime-local` value in UTC; text that is not one stays as it is.
    static func inputValue(ofDateTime text: String) -> String {
        guard let date = RFC3339.date(from: text) else { return text }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm:ss"
        return formatter.string(from: date)
    }
}

/// RFC 6901 escaping of one reference token.
enum JSONPointerText {
    static func escape(_ token: String) -> String { token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1") }
    static func unescape(_ token: String) -> String { token.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~") }
}
