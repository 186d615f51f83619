/// How a schema is compiled and instances are checked.
public struct ValidatorOptions: Sendable, Equatable {
    /// Check `format` (date-time, date, time, email, uuid, ipv4, ipv6, hostname) instead of treating
    /// it as an annotation. On for Ura, whose schemas rely on it; the test suite's non-optional
    /// `format.json` expects it off, as the 2020-12 specification's default is.
    public var formatAssertion: Bool
    /// Nested schema evaluations allowed before evaluation stops with an error, bounding the stack
    /// for deeply nested instances. (A schema that recurses without descending into the instance,
    /// like `{"$ref": "#"}`, is caught separately after 64 nested subschemas on one value.)
    public var maximumDepth: Int
    /// `validate` stops collecting after this many errors (the instance is invalid either way).
    public var maximumErrors: Int
    /// Quote instance values in error messages ("'Al.Mepj' does not match …"). Turn it off where
    /// messages are logged and values may be personal data; messages then name only the type.
    public var quotesValues: Bool

    public init(formatAssertion: Bool = true, maximumDepth: Int = 1000, maximumErrors: Int = 100, quotesValues: Bool = true) {
        self.formatAssertion = formatAssertion
        self.maximumDepth = maximumDepth
        self.maximumErrors = maximumErrors
        self.quotesValues = quotesValues
    }
}
