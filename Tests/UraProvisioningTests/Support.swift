import Foundation
import Testing
import UraJSON
import UraSchema

/// A temporary folder for one test, removed when the test's value goes away.
final class TemporaryFolder: @unchecked Sendable {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("ura-provisioning-\(UUID().uuidString)")
    deinit { try? FileManager.default.removeItem(at: url) }
    func path(_ relative: String) -> URL { url.appendingPathComponent(relative) }
}

/// The file schemas of `Schemas/files/`, compiled with the rest of `Schemas/` as the catalogue loads them.
enum FileSchemas {
    static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Schemas").standardized
    static let registry = Result { () throws -> SchemaRegistry in
        var registry = SchemaRegistry()
        _ = try registry.addDirectory(folder)
        return registry
    }

    static func validator(_ name: String) throws -> Validator {
        try registry.get().compile(MessageCatalogue.base + "files/\(name).schema.json")
    }

    /// The problems `file` has against `Schemas/files/<name>.schema.json` (none: it is valid).
    static func problems(of file: URL, against name: String) throws -> [ValidationError] {
        try validator(name).validate(try JSONValue(parsing: Array(try Data(contentsOf: file))))
    }
}

/// The permission bits of a file or folder.
func mode(_ url: URL) throws -> Int {
    try #require(try FileManager.default.attributesOfItem(atPath: url.path)[.posixPermissions] as? Int)
}

/// Every file under `folder` with its bytes, for "nothing changed" checks.
func contents(_ folder: URL) -> [String: Data] {
    var files: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return files }
    while let relative = walker.nextObject() as? String {
        files[relative] = FileManager.default.contents(atPath: folder.appendingPathComponent(relative).path) ?? Data()
    }
    return files
}

/// A fixed time, so that what is issued is issued at a known moment.
let provisioningTime = Date(timeIntervalSince1970: 1_780_000_000)
