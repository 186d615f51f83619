import UraJSON

/// Draws a form as server-rendered HTML: a labelled input per field (`<label for>` bound to the
/// input's id), required and personal marks, the schema's descriptions as help text, enums as
/// selects, arrays as rows with "add row" and "remove row" buttons that post the form (so it works
/// with JavaScript off), and each error next to its field in Albanian and English.
extension FormField {
    /// The form's fields for `value` (nil: an empty form), with `errors` placed on the fields
    /// drawn; errors that belong to no drawn field are listed above the form.
    public func render(_ value: JSONValue?, errors: FieldErrors = FieldErrors()) -> String {
        var drawn = Set<String>()
        collectPointers(value, "", into: &drawn)
        let placed = errors.placed(on: drawn)
        var html = ""
        if !errors.isEmpty {
            html += "<div class=\"summary\" role=\"alert\" id=\"errors\"><p>\(HTML.label("Formulari ka \(errors.count) gabime; shihni fushat e shënuara.", "The form has \(errors.count) errors; see the marked fields."))</p><ul>"
            for pointer in placed.byPointer.keys.sorted() {
                for m in placed[pointer] {
                    let place = pointer.isEmpty ? "" : "<a href=\"#\(HTML.escape(Self.id(pointer)))\">\(HTML.escape(Self.readablePath(pointer)))</a>: "
                    html += "<li>\(place)\(HTML.label(m.sq, m.en))</li>"
                }
            }
            html += "</ul></div>"
        }
        html += render(value, "", placed, label: nil)
        return html
    }

    /// The id of the input for `pointer` (ids may hold any character but space in HTML).
    static func id(_ pointer: String) -> String { "f" + pointer }

    static func readablePath(_ pointer: String) -> String {
        pointer.split(separator: "/").map { part in Int(part).map { "\($0 + 1)" } ?? FieldWords.readable(JSONPointerText.unescape(String(part))) }
            .joined(separator: " › ")
    }

    func collectPointers(_ value: JSONValue?, _ pointer: String, into drawn: inout Set<String>) {
        drawn.insert(pointer)
        switch kind {
        case .object(let fields):
            for f in fields { f.collectPointers(value?[f.name], pointer + "/" + JSONPointerText.escape(f.name), into: &drawn) }
        case .array(let item, let minItems):
            for (i, row) in rows(value, minItems).enumerated() { item.collectPointers(row, pointer + "/\(i)", into: &drawn) }
        default: break
        }
    }

    func rows(_ value: JSONValue?, _ minItems: Int) -> [JSONValue] {
        if let rows = value?.arrayValue { return rows }
        return Array(repeating: .null, count: value == nil ? max(minItems, 0) : 0)
    }

    /// The text shown for this field: the given label (a row's), else its words.
    func labelHTML(_ label: String?) -> String {
        if let label { return label }
        let words = FieldWords.field(self)
        return HTML.label(words.sq, words.en)
    }

    var marks: String {
        (required ? " <span class=\"req\" title=\"e detyrueshme / required\">*<span class=\"sr-only\"> e detyrueshme / required</span></span>" : "")
            + (personal ? " <span class=\"personal\">(\(HTML.label("e dhënë personale", "personal data")))</span>" : "")
    }

    func errorHTML(_ messages: [FieldErrors.Message], id: String) -> String {
        guard !messages.isEmpty else { return "" }
        return "<div class=\"error\" id=\"e\(HTML.escape(id))\">" + messages.map { "<p>\(HTML.label($0.sq, $0.en))</p>" }.joined() + "</div>"
    }

    func render(_ value: JSONValue?, _ pointer: String, _ errors: FieldErrors, label: String?) -> String {
        let id = Self.id(pointer), name = HTML.escape("f" + pointer), eid = HTML.escape(id)
        let messages = errors[pointer]
        let help = description.map { "<span class=\"help\" id=\"h\(eid)\">\(HTML.escape($0))</span>" } ?? ""
        var described = [String]()
        if description != nil { described.append("h\(id)") }
        if !messages.isEmpty { described.append("e\(id)") }
        let aria = (described.isEmpty ? "" : " aria-describedby=\"\(HTML.escape(described.joined(separator: " ")))\"")
            + (messages.isEmpty ? "" : " aria-invalid=\"true\"") + (required ? " aria-required=\"true\"" : "")
        let fieldClass = messages.isEmpty ? "field" : "field has-error"
        func wrap(_ input: String) -> String {
            "<div class=\"\(fieldClass)\"><label for=\"\(eid)\">\(labelHTML(label))\(marks)</label>\(help)\(input)\(errorHTML(messages, id: id))</div>"
        }
        switch kind {
        case .text(let inputType, let multiline):
            var text = value.map(Self.text(of:)) ?? ""
            if inputType == "datetime-local", let v = value?.stringValue { text = Self.inputValue(ofDateTime: v) }
            let length = maxLength.map { " maxlength=\"\($0)\"" } ?? ""
            if multiline {
                return wrap("<textarea id=\"\(eid)\" name=\"\(name)\"\(length)\(aria)>\(HTML.escape(text))</textarea>")
            }
            let step = inputType == "datetime-local" ? " step=\"1\"" : ""
            let utc = inputType == "datetime-local" ? " <span class=\"muted\">UTC</span>" : ""
            return wrap("<input type=\"\(inputType)\" id=\"\(eid)\" name=\"\(name)\" value=\"\(HTML.escape(text))\"\(length)\(step)\(aria)>\(utc)")
        case .number(let integer):
            let bounds = (minimum.map { " min=\"\(Self.text(of: .number($0)))\"" } ?? "") + (maximum.map { " max=\"\(Self.text(of: .number($0)))\"" } ?? "")
            return wrap("<input type=\"number\" id=\"\(eid)\" name=\"\(name)\" value=\"\(HTML.escape(value.map(Self.text(of:)) ?? ""))\" step=\"\(integer ? "1" : "any")\"\(bounds)\(aria)>")
        case .boolean:
            let current = value.map(Self.text(of:)) ?? ""
            let options = [("", "—", "—"), ("true", "Po", "Yes"), ("false", "Jo", "No")].map { v, sq, en in
                "<option value=\"\(v)\"\(v == current ? " selected" : "")>\(v.isEmpty ? "—" : "\(HTML.escape(sq)) / \(HTML.escape(en))")</option>"
            }.joined()
            return wrap("<select id=\"\(eid)\" name=\"\(name)\"\(aria)>\(options)</select>")
        case .constant(let constant):
            let checked = value != nil ? " checked" : ""
            let what = constant == .bool(true) ? HTML.label("Po, konfirmoj", "Yes, I confirm") : HTML.escape(Self.text(of: constant))
            return "<div class=\"\(fieldClass)\"><span class=\"label\" id=\"l\(eid)\">\(labelHTML(label))\(marks)</span>\(help)"
                + "<label><input type=\"checkbox\" id=\"\(eid)\" name=\"\(name)\" value=\"on\"\(checked)\(aria)> \(what)</label>\(errorHTML(messages, id: id))</div>"
        case .choice(let values):
            let current = value.map(Self.text(of:))
            var options = "<option value=\"\">— zgjidhni / choose —</option>"
            for v in values {
                let raw = Self.text(of: v), words = self.words(for: raw)
                let shown = words.sq.map { "\($0) / \(words.en)" } ?? words.en
                options += "<option value=\"\(HTML.escape(raw))\"\(raw == current ? " selected" : "")>\(HTML.escape(shown))</option>"
            }
            if let current, !current.isEmpty, !values.contains(where: { Self.text(of: $0) == current }) {
                options += "<option value=\"\(HTML.escape(current))\" selected>\(HTML.escape(current))</option>"
            }
            return wrap("<select id=\"\(eid)\" name=\"\(name)\"\(aria)>\(options)</select>")
        case .choices(let values):
            let ticked = Set((value?.arrayValue ?? []).map(Self.text(of:)))
            var boxes = ""
            for (i, v) in values.enumerated() {
                let raw = Self.text(of: v), words = self.words(for: raw), boxID = HTML.escape(id + "#\(i)")
                boxes += "<label for=\"\(boxID)\"><input type=\"checkbox\" id=\"\(boxID)\" name=\"\(name)\" value=\"\(HTML.escape(raw))\"\(ticked.contains(raw) ? " checked" : "")> \(HTML.label(words.sq, words.en))</label> "
            }
            return "<fieldset class=\"\(fieldClass) choices\" id=\"\(eid)\"\(aria)><legend>\(labelHTML(label))\(marks)</legend>\(help)\(boxes)\(errorHTML(messages, id: id))</fieldset>"
        case .object(let fields):
            let inner = fields.map { f in f.render(value?[f.name], pointer + "/" + JSONPointerText.escape(f.name), errors, label: nil) }.joined()
            if pointer.isEmpty { return errorHTML(messages, id: id) + inner }
            return "<fieldset class=\"\(fieldClass)\" id=\"\(eid)\"\(aria)><legend>\(labelHTML(label))\(marks)</legend>\(help)\(errorHTML(messages, id: id))\(inner)</fieldset>"
        case .array(let item, let minItems):
            let rows = rows(value, minItems)
            var html = "<fieldset class=\"\(fieldClass)\" id=\"\(eid)\"\(aria)><legend>\(labelHTML(label))\(marks)</legend>\(help)\(errorHTML(messages, id: id))"
            html += "<input type=\"hidden\" name=\"\(HTML.escape("n" + pointer))\" value=\"\(rows.count)\">"
            let words = FieldWords.field(self)
            for (i, row) in rows.enumerated() {
                let rowLabel = HTML.label("\(words.sq ?? words.en) — rreshti \(i + 1)", "\(words.en) — row \(i + 1)")
                html += "<div class=\"row\">" + item.render(row.isNull ? nil : row, pointer + "/\(i)", errors, label: rowLabel)
                html += "<button type=\"submit\" name=\"action\" value=\"\(HTML.escape("remove:" + pointer + "/\(i)"))\" formnovalidate>\(HTML.label("Hiq rreshtin \(i + 1)", "Remove row \(i + 1)"))</button></div>"
            }
            html += "<button type=\"submit\" name=\"action\" value=\"\(HTML.escape("add:" + pointer))\" formnovalidate>\(HTML.label("Shto një rresht", "Add a row"))</button></fieldset>"
            return html
        case .json:
            return wrap("<textarea id=\"\(eid)\" name=\"\(name)\"\(aria)>\(HTML.escape(value?.serializedString(options: .prettyPrinted) ?? ""))</textarea>")
        }
    }
}
