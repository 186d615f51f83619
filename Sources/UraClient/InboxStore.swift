import Foundation
import UraBasics
import UraJSON
import UraModel

/// Where received messages are kept before they are acknowledged: for each, the signed original
/// as delivered (`ID.jws`, which `ura verify` checks) and the opened record (`ID.json`: metadata,
/// form, digest), each 0600 and synced. A delivered receipt then means the recipient holds the
/// message, whatever happens to the terminal the summary went to.
public struct InboxStore: Sendable {
    public let folder: URL

    /// The profile's `state/inbox` folder.
    public init(profile: AgencyProfile) throws(ClientError) { folder = try profile.stateFolder("inbox") }

    /// A folder of the caller's choosing (`ura inbox --out DIR`), created 0700 if needed.
    public init(folder: URL) throws(ClientError) {
        do { try DurableFile.createFolder(folder) } catch {
            throw ClientError("cannot create \(folder.path): \(error.message)", .ioError)
        }
        self.folder = folder
    }

    public func original(_ id: String) -> URL { folder.appendingPathComponent("\(id).jws") }
    public func recordFile(_ id: String) -> URL { folder.appendingPathComponent("\(id).json") }

    /// Writes and syncs the signed original and the record; only after this returns may the
    /// message be acknowledged.
    public func keep(_ opened: InboxReader.Opened) throws(ClientError) {
        let id = opened.envelope.id.rawValue
        do {
            try DurableFile.write(opened.original, to: original(id))
            try DurableFile.write(opened.record.serialized(options: .prettyPrinted) + [0x0A], to: recordFile(id))
        } catch {
            throw ClientError("cannot keep message \(id) in \(folder.path): \(error.message)", .ioError)
        }
    }

    /// The kept record of message `id` (metadata, form, digest).
    public func record(_ id: String) throws(ClientError) -> JSONValue {
        guard (try? MessageID(id)) != nil else { throw ClientError("'\(id)' is not a message id", .usage) }
        guard let data = FileManager.default.contents(atPath: recordFile(id).path) else {
            throw ClientError("message \(id) is not kept in \(folder.path); `ura inbox` keeps what it receives there", .noInput)
        }
        do { return try JSONValue(parsing: Array(data)) } catch {
            throw ClientError("\(recordFile(id).path) is not JSON: \(error)", .dataError)
        }
    }
}
