import Foundation

/// A small catalogue for unit tests of the gateway, written next to the real core schemas (common,
/// envelope, receipt, directory, catalogue, declaration, the Albanian words) in a temporary Schemas/ folder.
package enum TestCatalogue {
    package static let repositorySchemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../Schemas").standardized

    static let entries = """
    [
      {"type": "referral.shelter", "title": "Referral to a shelter", "title_sq": "Referim", "schema": "https://ura.example/schemas/v1/messages/test.schema.json",
       "from": ["police", "social", "child", "mission"], "to": ["shelter", "child", "secretariat"], "urgency": "immediate",
       "routing": {"child_must_include": ["child"]}},
      {"type": "notice", "title": "Notice", "title_sq": "Njoftim", "schema": "https://ura.example/schemas/v1/messages/test.schema.json",
       "from": ["secretariat", "police", "social", "child", "shelter", "mission", "foreign", "border"],
       "to": ["secretariat", "police", "social", "child", "shelter", "mission", "foreign", "border"], "urgency": "routine", "cross_border": true},
      {"type": "identification.formal-interview.child", "form": "B1", "title": "Formal interview (child)", "title_sq": "Intervista formale",
       "schema": "https://ura.example/schemas/v1/messages/test.schema.json", "from": ["police", "child", "social"], "to": ["secretariat"],
       "urgency": "same-day", "rules": ["declarations-required"],
       "expects": [{"types": ["identification.status-decision"], "within": "same-day", "by": ["police", "child", "social"], "note": "B3 the same day"}]},
      {"type": "identification.status-decision", "form": "B3", "title": "Status decision", "title_sq": "Vendim",
       "schema": "https://ura.example/schemas/v1/messages/test.schema.json", "from": ["police", "child", "social"], "to": ["secretariat"],
       "urgency": "same-day"}
    ]
    """

    /// Creates the folder; the caller removes it.
    package static func make(in directory: URL) throws -> URL {
        let schemas = directory.appendingPathComponent("Schemas")
        try FileManager.default.createDirectory(at: schemas.appendingPathComponent("messages"), withIntermediateDirectories: true)
        for name in ["common", "envelope", "receipt", "directory", "catalogue", "declaration", "words"] {
            try FileManager.default.copyItem(at: repositorySchemas.appendingPathComponent("\(name).schema.json"),
                                             to: schemas.appendingPathComponent("\(name).schema.json"))
        }
        try FileManager.default.copyItem(at: repositorySchemas.appendingPathComponent("words.sq.json"), to: schemas.appendingPathComponent("words.sq.json"))
        let body = """
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "https://ura.example/schemas/v1/messages/test.schema.json",
         "type": "object", "required": ["case", "note"], "properties": {"case": {"type": "string"}, "note": {"type": "string", "x-personal": true}},
         "additionalProperties": false}
        """
        try Data(body.utf8).write(to: schemas.appendingPathComponent("messages/test.schema.json"))
        let catalogue = #"{"$schema": "https://ura.example/schemas/v1/catalogue.schema.json", "version": "test", "types": "# + entries + "}"
        try Data(catalogue.utf8).write(to: schemas.appendingPathComponent("catalogue.json"))
        return schemas
    }
}
