import Foundation
import UraJSON
import UraModel

/// `Schemas/` loaded and checked: the catalogue (validated against `catalogue.schema.json` and
/// decoded), and a compiled validator for the envelope, receipts, the directory and every message
/// type's body. Built once at start; a broken catalogue or an unresolvable schema fails here, not
/// while messages flow.
public struct MessageCatalogue: Sendable {
    /// The namespace of Ura's schema `$id`s (an identifier, never fetched).
    public static let base = "https://ura.example/schemas/v1/"

    public let catalogue: Catalogue
    public let registry: SchemaRegistry
    public let envelope: Validator
    public let receipt: Validator
    public let directory: Validator
    /// The payload of a confidentiality declaration record (`POST /v1/declarations`).
    public let declaration: Validator
    /// The Albanian labels of the forms' fields and values (`words.sq.json`).
    public let words: AlbanianWords
    private let bodies: [MessageType: Validator]

    /// Loads `catalogue.json` and the schemas under `directory` (the `Schemas/` folder).
    public init(directory: URL, options: ValidatorOptions = ValidatorOptions()) throws(CatalogueError) {
        var registry = SchemaRegistry()
        do { try registry.addDirectory(directory) } catch { throw CatalogueError("cannot load the schemas in \(directory.path): \(error)") }
        let file = directory.appendingPathComponent("catalogue.json")
        let document: JSONValue
        do {
            document = try JSONValue(parsing: Array(try Data(contentsOf: file)))
        } catch {
            throw CatalogueError("cannot read \(file.path): \(error)")
        }
        func compile(_ name: String) throws(CatalogueError) -> Validator {
            do { return try registry.compile(MessageCatalogue.base + name, options: options) } catch {
                throw CatalogueError("the schema \(name) does not compile: \(error)")
            }
        }
        let catalogueSchema = try compile("catalogue.schema.json")
        let problems = catalogueSchema.validate(document)
        guard problems.isEmpty else {
            throw CatalogueError("\(file.path) does not match catalogue.schema.json: " + problems.prefix(5).map(\.description).joined(separator: "; "))
        }
        let catalogue: Catalogue
        do { catalogue = try JSONValueDecoder().decode(Catalogue.self, from: document) } catch {
            throw CatalogueError("\(file.path): \(ModelError.describe(error))")
        }
        var bodies: [MessageType: Validator] = [:]
        for entry in catalogue.entries {
            do { bodies[entry.type] = try registry.compile(entry.schema, options: options) } catch {
                throw CatalogueError("the body schema of \(entry.type) (\(entry.schema)) does not compile: \(error)")
            }
        }
        self.catalogue = catalogue
        self.registry = registry
        self.bodies = bodies
        envelope = try compile("envelope.schema.json")
        receipt = try compile("receipt.schema.json")
        self.directory = try compile("directory.schema.json")
        declaration = try compile("declaration.schema.json")
        words = try Self.loadWords(directory, schema: try compile("words.schema.json"))
    }

    private static func loadWords(_ directory: URL, schema: Validator) throws(CatalogueError) -> AlbanianWords {
        let file = directory.appendingPathComponent("words.sq.json")
        let document: JSONValue
        do { document = try JSONValue(parsing: Array(try Data(contentsOf: file))) } catch {
            throw CatalogueError("cannot read \(file.path): \(error)")
        }
        let problems = schema.validate(document)
        guard problems.isEmpty else {
            throw CatalogueError("\(file.path) does not match words.schema.json: " + problems.prefix(5).map(\.description).joined(separator: "; "))
        }
        do { return try JSONValueDecoder().decode(AlbanianWords.self, from: document) } catch {
            throw CatalogueError("\(file.path): \(ModelError.describe(error))")
        }
    }

    /// The validator of a message type's body (the decrypted form); nil for an unknown type.
    public func bodyValidator(for type: MessageType) -> Validator? { bodies[type] }

    /// Where `Schemas/` is: `$URA_SCHEMAS`, else beside the executable's installation
    /// (`/usr/local/share/ura/schemas`), else the source checkout this binary was built from.
    public static func defaultDirectory() -> URL {
        if let explicit = ProcessInfo.processInfo.environment["URA_SCHEMAS"], !explicit.isEmpty {
            return URL(fileURLWithPath: explicit)
        }
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        let installed = executable.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("share/ura/schemas")
        if FileManager.default.fileExists(atPath: installed.appendingPathComponent("catalogue.json").path) { return installed }
        // This file is Sources/UraSchema/MessageCatalogue.swift of the checkout.
        let thisFile: String = #filePath
        return URL(fileURLWithPath: thisFile).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Schemas")
    }
}

/// Why `Schemas/` could not be loaded.
public struct CatalogueError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
