import Foundation
import UraJSON
import UraModel
import UraProtocol

/// The delivered and failed receipts of the agency's messages (and, across a border, the peer
/// gateway's accepted receipt), in the order the gateway recorded
/// them, each checked (`ReceiptCheck.verify`), with a cursor kept in the state folder so that the
/// next read starts where this one ended.
public enum ReceiptFeed {
    /// One receipt of the feed: its cursor and the checked receipt, or why it does not check out.
    public struct Entry: Sendable {
        public let cursor: Int?
        public let result: Result<Receipt, ClientError>
        /// The recipient the feed files it under (an accepted receipt names none itself).
        public var recipient: AgencyID? = nil
    }

    /// Every receipt after `cursor`, page by page, and the cursor to continue from.
    public static func read(_ connection: GatewayConnection, directory: Directory, after cursor: Int64) async throws(ClientError) -> (entries: [Entry], next: Int64) {
        var cursor = cursor
        var entries: [Entry] = []
        while true {
            let reply = try await connection.request("GET", "/v1/receipts?after=\(cursor)&limit=500")
            let items = reply.json?["receipts"]?.arrayValue ?? []
            for item in items {
                guard let signed = item["receipt"] else { continue }
                let result: Result<Receipt, ClientError>
                let recipient = item["recipient"]?.stringValue.flatMap { try? AgencyID($0) }
                do {
                    result = .success(try ReceiptCheck.verify(signed.serialized(), directory: directory, recipient: recipient,
                                                              skew: connection.profile.clockSkew))
                } catch {
                    result = .failure(error)
                }
                entries.append(Entry(cursor: item["cursor"]?.intValue, result: result, recipient: recipient))
            }
            guard let next = reply.json?["next"]?.intValue, items.count == 500 else {
                return (entries, Int64(reply.json?["next"]?.intValue ?? Int(cursor)))
            }
            cursor = Int64(next)
        }
    }

    /// The cursor the last read kept (0 before the first).
    public static func keptCursor(of profile: AgencyProfile) -> Int64 {
        Int64((try? String(contentsOf: cursorFile(of: profile), encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "") ?? 0
    }

    /// Keeps `cursor` for the next read.
    public static func keep(cursor: Int64, for profile: AgencyProfile) throws(ClientError) {
        let file = try profile.stateFolder("cursors").appendingPathComponent("receipts")
        do { try Data("\(cursor)\n".utf8).write(to: file, options: .atomic) } catch {
            throw ClientError("cannot keep the receipts cursor in \(file.path): \(error.localizedDescription)", .ioError)
        }
    }

    private static func cursorFile(of profile: AgencyProfile) -> URL { profile.state.appendingPathComponent("cursors/receipts") }
}
