import Foundation
import UraJSON
@testable import UraSchema

/// Parses JSON written in a test; a typo in a test's JSON is a test bug, reported as such.
func json(_ text: String, sourceLocation: String = #function) -> JSONValue {
    do {
        return try JSONValue(parsing: text)
    } catch {
        fatalError("test JSON in \(sourceLocation) does not parse: \(error)\n\(text)")
    }
}

/// Compiles a standalone schema with format assertion on (Ura's default).
func validator(_ schema: String, options: ValidatorOptions = ValidatorOptions()) throws -> Validator {
    try Validator(schema: json(schema), options: options)
}

/// A fresh temporary directory, removed by the caller.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ura-schema-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
