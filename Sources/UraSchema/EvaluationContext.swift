/// The state of one validation: errors so far, where in the instance we are (only tracked while
/// errors are being collected), the dynamic scope for `$dynamicRef`, and the nesting depth.
struct EvaluationContext {
    /// False inside `not`, `if`, `contains` and in the `isValid` fast path: failures are only
    /// returned, never described, and evaluation stops at the first one.
    var collecting: Bool
    var errors: [ValidationError] = []
    var path: [PathToken] = []
    /// Schema resources entered, outermost first.
    var scope: [Int32] = []
    var depth = 0
    /// Nested evaluations since the last step into a member or item.
    var sameLocationDepth = 0
    let options: ValidatorOptions

    init(collecting: Bool, options: ValidatorOptions) {
        self.collecting = collecting
        self.options = options
    }

    enum PathToken {
        case key(String)
        case index(Int)
    }

    var instancePath: String {
        var text = ""
        for token in path {
            switch token {
            case .key(let key): text += "/" + JSONPointer.escape(key)
            case .index(let index): text += "/" + String(index)
            }
        }
        return text
    }

    /// Records a failure of `site`'s keyword at the current instance location.
    mutating func fail(_ site: KeywordSite, _ message: @autoclosure () -> String) {
        guard collecting, errors.count < options.maximumErrors else { return }
        errors.append(ValidationError(instancePath: instancePath, keyword: site.keyword, schemaPath: site.schemaPath,
                                      schemaLocation: site.schemaLocation, message: message()))
    }

    static func shorten(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}

/// What the in-place subschemas of a node evaluated, for `unevaluatedItems`/`unevaluatedProperties`
/// (annotations of draft 2020-12, collected only where one of those keywords needs them).
struct EvaluatedLocations {
    var allProperties = false
    var properties: Set<String> = []
    var allItems = false
    /// Items `0..<prefixItems` were evaluated by `prefixItems`.
    var prefixItems = 0
    /// Items `contains` matched.
    var items: Set<Int> = []

    mutating func merge(_ other: EvaluatedLocations) {
        allProperties = allProperties || other.allProperties
        if !allProperties { properties.formUnion(other.properties) }
        allItems = allItems || other.allItems
        prefixItems = max(prefixItems, other.prefixItems)
        if !allItems { items.formUnion(other.items) }
    }

    func isEvaluated(item index: Int) -> Bool {
        allItems || index < prefixItems || items.contains(index)
    }

    func isEvaluated(property name: String) -> Bool {
        allProperties || properties.contains(name)
    }
}
