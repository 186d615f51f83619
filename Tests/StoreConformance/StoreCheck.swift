import Testing

/// One behaviour every `Store` must have, runnable against any backend: a backend's test target
/// passes `StoreConformance.checks` to a parameterised `@Test` and runs each on its own storage.
/// A failed expectation is recorded against that test, named after the check.
public struct StoreCheck: Sendable, CustomTestStringConvertible {
    /// What the check shows, in the style of a test name (`sameIDWithAnotherDigestIsAConflict`).
    public let name: String
    private let body: @Sendable (StoreFixture) async throws -> Void

    public init(_ name: String, _ body: @escaping @Sendable (StoreFixture) async throws -> Void) {
        self.name = name
        self.body = body
    }

    /// Runs the check on a store opened on fresh storage from `makeStorage`, which is removed
    /// afterwards whatever the outcome.
    public func run(on makeStorage: () throws -> any StoreStorage) async throws {
        let fixture = try StoreFixture(storage: try makeStorage())
        try await body(fixture)
    }

    public var testDescription: String { name }
}
