import UraJSON

/// A received form shown as what it is — field titles and values, not JSON — for the inbox and
/// its print view. Values the form does not describe are listed at the end as they are.
extension FormField {
    public func display(_ value: JSONValue) -> String { display(value, label: nil) }

    func display(_ value: JSONValue, label: String?) -> String {
        switch kind {
        case .object(let fields):
            var html = "<dl class=\"form\">"
            for f in fields {
                guard let member = value[f.name] else { continue }
                html += "<dt>\(f.labelHTML(nil))\(f.personal ? " <span class=\"personal\">(\(HTML.label("e dhënë personale", "personal data")))</span>" : "")</dt><dd>\(f.display(member, label: nil))</dd>"
            }
            let known = Set(fields.map(\.name))
            for (k, v) in value.objectValue ?? [:] where !known.contains(k) {
                html += "<dt>\(HTML.escape(FieldWords.readable(k)))</dt><dd><code>\(HTML.escape(v.serializedString()))</code></dd>"
            }
            return html + "</dl>"
        case .array(let item, _):
            return "<ol>" + (value.arrayValue ?? []).map { "<li>\(item.display($0, label: nil))</li>" }.joined() + "</ol>"
        case .choices:
            return (value.arrayValue ?? []).map { v in let w = words(for: Self.text(of: v)); return HTML.label(w.sq, w.en) }.joined(separator: "; ")
        case .choice:
            let w = words(for: Self.text(of: value))
            return HTML.label(w.sq, w.en)
        case .boolean, .constant:
            switch value {
            case .bool(true): return HTML.label("Po", "Yes")
            case .bool(false): return HTML.label("Jo", "No")
            default: return HTML.escape(Self.text(of: value))
            }
        case .text(let inputType, let multiline):
            let text = HTML.escape(Self.text(of: value))
            if inputType == "datetime-local" { return text + " <span class=\"muted\">(UTC)</span>" }
            return multiline ? "<p style=\"white-space:pre-wrap\">\(text)</p>" : text
        case .number, .json:
            return HTML.escape(Self.text(of: value))
        }
    }
}
