import UraHTTPCore
import UraHTTPServer

/// Why a load run could not start.
public struct LoadGeneratorError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
