import Foundation
import UraJSON

/// The published conformance data in `../shared/vectors` (or `$URA_VECTORS`).
enum Vectors {
    static let root: URL = {
        if let explicit = ProcessInfo.processInfo.environment["URA_VECTORS"], !explicit.isEmpty { return URL(fileURLWithPath: explicit) }
        return URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/vectors").standardized
    }()

    static func cookbook(_ path: String) throws -> JSONValue {
        let url = root.appendingPathComponent("jose-cookbook").appendingPathComponent(path)
        return try JSONValue(parsing: Array(try Data(contentsOf: url)))
    }
}
