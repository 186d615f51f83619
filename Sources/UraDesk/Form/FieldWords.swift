import UraSchema

/// The words a form shows for a field: the schema's own `title`, else the property name made
/// readable ("found_on" → "Found on"); the Albanian (`FormField.titleSq`) comes from the schema
/// or the catalogue's `words.sq.json`. What neither names is shown in English only.
enum FieldWords {
    /// "found_on" → "Found on".
    static func readable(_ name: String) -> String {
        let words = name.replacingOccurrences(of: "_", with: " ").replacingOccurrences(of: "-", with: " ")
        return words.prefix(1).uppercased() + words.dropFirst()
    }

    static func field(_ field: FormField) -> (sq: String?, en: String) {
        (field.titleSq, field.title ?? readable(field.name))
    }
}

extension AlbanianWords {
    /// The words for a value outside a form (a role, a subject, a priority): Albanian from the
    /// catalogue's list, English made readable.
    func value(_ raw: String) -> (sq: String?, en: String) { (values[raw], FieldWords.readable(raw)) }
}
