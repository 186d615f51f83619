/// A test step that could not be done (a socket that would not connect, a tool that failed),
/// thrown with a sentence that says which.
public struct TestFailure: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
