import Foundation
import UraBasics
import UraClient
import UraJSON
import UraModel

/// What the desk keeps beside the profile's state, each file 0600 and synced: drafts not sent yet
/// (`desk/drafts/ID.json`), a copy of each message it sealed (`desk/sent/ID.json`: the envelope's
/// metadata and the form, as the inbox keeps what it receives), and the receipts read for them
/// (`desk/receipts.json`, with the feed cursor).
struct DeskFiles: Sendable {
    let folder: URL

    init(profile: AgencyProfile) throws(DeskError) {
        folder = profile.state.appendingPathComponent("desk")
        for sub in ["drafts", "sent"] {
            do {
                try FileManager.default.createDirectory(at: folder.appendingPathComponent(sub), withIntermediateDirectories: true,
                                                        attributes: [.posixPermissions: 0o700])
            } catch { throw DeskError("cannot create \(folder.path)/\(sub): \(error.localizedDescription)", .failed) }
        }
    }

    // MARK: Drafts

    /// A draft: the envelope fields as typed and the form as posted (empty rows kept).
    struct Draft: Sendable {
        var id: String
        var type: String
        var fields: [String: JSONValue]
        var form: JSONValue

        var json: JSONValue { .object(["id": .string(id), "type": .string(type), "fields": .object(JSONObject(fields.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })), "form": form]) }
    }

    func draftFile(_ id: String) -> URL { folder.appendingPathComponent("drafts/\(id).json") }

    func keep(_ draft: Draft) throws(DeskError) {
        do { try DurableFile.write(draft.json.serialized(options: .prettyPrinted), to: draftFile(draft.id)) } catch {
            throw DeskError("cannot keep the draft: \(error.message)", .failed)
        }
    }

    func draft(_ id: String) -> Draft? {
        guard Self.isName(id), let data = FileManager.default.contents(atPath: draftFile(id).path), let json = try? JSONValue(parsing: Array(data)),
              let type = json["type"]?.stringValue else { return nil }
        var fields: [String: JSONValue] = [:]
        for (k, v) in json["fields"]?.objectValue ?? [:] { fields[k] = v }
        return Draft(id: id, type: type, fields: fields, form: json["form"] ?? .object([:]))
    }

    func drafts() -> [Draft] { names(in: "drafts").compactMap(draft) }

    func removeDraft(_ id: String) {
        guard Self.isName(id) else { return }
        try? DurableFile.remove(draftFile(id))
    }

    // MARK: Sent

    func keepSent(_ record: JSONValue, id: String) throws(DeskError) {
        do { try DurableFile.write(record.serialized(options: .prettyPrinted), to: folder.appendingPathComponent("sent/\(id).json")) } catch {
            throw DeskError("cannot keep a copy of the message: \(error.message)", .failed)
        }
    }

    func sent(_ id: String) -> JSONValue? {
        guard Self.isName(id), let data = FileManager.default.contents(atPath: folder.appendingPathComponent("sent/\(id).json").path) else { return nil }
        return try? JSONValue(parsing: Array(data))
    }

    /// Every message sealed here, newest first.
    func sentMessages() -> [JSONValue] { names(in: "sent").sorted(by: >).compactMap(sent) }

    // MARK: Receipts

    /// Receipts by message id, each `{kind, recipient, at, reason}`, and the feed cursor.
    func receipts() -> (byMessage: [String: [JSONValue]], cursor: Int64) {
        guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("receipts.json").path),
              let json = try? JSONValue(parsing: Array(data)) else { return ([:], 0) }
        var byMessage: [String: [JSONValue]] = [:]
        for (k, v) in json["messages"]?.objectValue ?? [:] { byMessage[k] = v.arrayValue ?? [] }
        return (byMessage, Int64(json["cursor"]?.intValue ?? 0))
    }

    func keepReceipts(_ byMessage: [String: [JSONValue]], cursor: Int64) throws(DeskError) {
        let json = JSONValue.object(["cursor": .number(Double(cursor)),
                                     "messages": .object(JSONObject(byMessage.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value)) }))])
        do { try DurableFile.write(json.serialized(options: .prettyPrinted), to: folder.appendingPathComponent("receipts.json")) } catch {
            throw DeskError("cannot keep the receipts: \(error.message)", .failed)
        }
    }

    private func names(in sub: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent(sub).path)) ?? [])
            .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.filter(Self.isName).sorted()
    }

    /// A file name the desk made: a message id or a draft id (letters, digits, dashes).
    static func isName(_ id: String) -> Bool {
        !id.isEmpty && id.count <= 64 && id.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) && $0.isASCII || $0 == "-" }
    }
}
