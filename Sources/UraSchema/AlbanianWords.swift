/// The Albanian of the field names and values the SOP's forms share (`Schemas/words.sq.json`), for
/// what a body schema does not title itself: a form's labels in `ura desk`. A schema's own
/// `x-title-sq` and `x-enum-titles-sq` come first; what neither names is shown in English only.
public struct AlbanianWords: Sendable, Codable, Equatable {
    /// By property name (`found_on` → "Gjetur më").
    public let fields: [String: String]
    /// By enumeration value (`child` → "Fëmijë").
    public let values: [String: String]

    public init(fields: [String: String], values: [String: String]) {
        self.fields = fields
        self.values = values
    }
}
