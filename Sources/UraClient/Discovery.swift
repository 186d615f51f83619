import Foundation
import UraJSON
import UraModel
import UraSchema

/// What an agency may type: the message types of the catalogue (form, titles, who sends to whom,
/// the deadlines a message arms), the agencies of the directory, and a skeleton form per type —
/// so `ura` (and the desk) can answer "what can I send, to whom" without a look at Schemas/.
public enum Discovery {
    /// One message type of the catalogue.
    public struct TypeInfo: Sendable {
        public let type: MessageType
        /// The SOP form code ("A1"), when the type is one of the SOP's forms.
        public let form: String?
        public let title: String
        public let titleSq: String
        public let from: [AgencyKind]
        public let to: [AgencyKind]
        /// The follow-ups the gateway arms a deadline for, in words ("assessment.report within 15d (child) by child").
        public let deadlines: [String]
    }

    public static func types(_ catalogue: MessageCatalogue) -> [TypeInfo] {
        catalogue.catalogue.entries.map { entry in
            TypeInfo(type: entry.type, form: entry.form, title: entry.title, titleSq: entry.titleSq, from: entry.from, to: entry.to,
                     deadlines: entry.expects.map { e in
                         e.types.map(\.rawValue).joined(separator: " or ") + " within \(e.within)"
                             + (e.forMonths.map { " for \($0) months" } ?? "") + (e.whenSubject.map { " (\($0.rawValue))" } ?? "")
                             + (e.by.isEmpty ? "" : " by " + e.by.map(\.rawValue).joined(separator: ", ")) + (e.optional ? " (optional)" : "")
                     })
        }
    }

    /// A type the catalogue does not know, with what it does know: the types that look alike, or all of them.
    public static func unknownType(_ text: String, in catalogue: MessageCatalogue) -> ClientError {
        let all = catalogue.catalogue.entries.map(\.type.rawValue)
        let prefix = text.split(separator: ".").first.map(String.init) ?? text
        var alike = all.filter { $0.hasPrefix(prefix + ".") || $0.contains(text) || text.contains($0) }
        if alike.isEmpty { alike = all }
        return ClientError("'\(text)' is not a message type of the catalogue; it knows \(alike.joined(separator: ", ")). "
                           + "`ura types` lists every type with its form, who may send it to whom and its deadlines", .usage)
    }

    /// The example form of `type` from `schemas/examples`, checked against its schema.
    public static func example(_ type: String, catalogue: MessageCatalogue, schemas: URL) throws(ClientError) -> JSONValue {
        guard let known = catalogue.catalogue.entries.first(where: { $0.type.rawValue == type }),
              let validator = catalogue.bodyValidator(for: known.type) else { throw unknownType(type, in: catalogue) }
        let file = schemas.appendingPathComponent("examples/\(type).json")
        guard let data = FileManager.default.contents(atPath: file.path) else {
            throw ClientError("there is no example for \(type) in \(file.deletingLastPathComponent().path)", .noInput)
        }
        let form: JSONValue
        do { form = try JSONValue(parsing: Array(data)) } catch { throw ClientError("\(file.path) is not JSON: \(error)", .dataError) }
        let errors = validator.validate(form)
        guard errors.isEmpty else { throw ClientError("the example \(file.path) does not match its schema: \(errors.prefix(3))", .dataError) }
        return form
    }
}
