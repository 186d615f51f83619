/// Why a load run could not start.
import UraHTTPCore
import UraHTTPServer

public struct LoadGeneratorError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
