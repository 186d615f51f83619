import UraBasics
import Foundation
import COpenSSL
import UraJSON
import UraModel
import UraProtocol
@testable import UraStoreSQLite
import UraStore
import UraStoreSQLite

/// SHA-256 for the store's ledger in these tests (the gateway injects UraCrypto's).
func sha256(_ bytes: [UInt8]) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    var length: UInt32 = 0
    _ = bytes.withUnsafeBytes { EVP_Digest($0.baseAddress, $0.count, &out, &length, EVP_sha256(), nil) }
    return out
}

/// A store in a fresh temporary directory; the "signature" of a head is its JSON, which is enough
/// to see that the store signs what it should.
final class StoreFixture: @unchecked Sendable {
    let directory: URL
    let path: String
    private(set) var store: SQLiteStore
    let start = Date(timeIntervalSince1970: 1_795_425_300)  // 2026-11-23T09:15:00Z

    static func head(_ size: Int, _ root: [UInt8]) -> [UInt8] { Array(#"{"tree_size":\#(size),"root":"\#(Hex.encode(root))"}"#.utf8) }
    static let ledger = LedgerConfiguration(hash: sha256, signHead: head, verifyHead: { signed, size, root in signed == head(size, root) })

    let options: SQLiteStore.Options

    init(options: SQLiteStore.Options = SQLiteStore.Options()) throws {
        self.options = options
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("ura-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent("ura.sqlite").path
        store = try SQLiteStore(path: path, ledger: Self.ledger, options: options)
    }

    func reopen() throws {
        store.close()
        store = try SQLiteStore(path: path, ledger: Self.ledger, options: options)
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(at: directory)
    }

    static let police = AgencyID(validated: "al.police.dvp-tirane")
    static let secretariat = AgencyID(validated: "al.mpb.secretariat")
    static let shelter = AgencyID(validated: "al.shelter.qkpvt")
    static let child = AgencyID(validated: "al.ashdmf.tirane")

    func accepted(id: MessageID = .random(), to: [AgencyID] = [secretariat, shelter], priority: Priority = .normal,
                  digest: String? = nil, channels: [AgencyID: DeliveryChannel]? = nil, at: Date? = nil,
                  caseReference: String = "AL-2026-000042") -> AcceptedMessage {
        let at = at ?? start
        let metadata = MessageMetadata(
            id: id, type: MessageType(validated: "referral.shelter"), from: Self.police, to: to,
            caseReference: CaseReference(validated: caseReference), subject: .child, priority: priority, created: at,
            expires: at.addingTimeInterval(30 * 86_400), inReplyTo: nil, participants: nil, county: .tirane)
        let bytes = Array(#"{"protected":"x","payload":"\#(id)","signature":"y"}"#.utf8)
        return AcceptedMessage(
            metadata: metadata, signedBytes: bytes, digest: digest ?? String(repeating: "A", count: 43), acceptedAt: at,
            acceptedReceipt: Array("accepted:\(id)".utf8),
            channels: channels ?? Dictionary(uniqueKeysWithValues: to.map { ($0, DeliveryChannel.push) }), senderKind: .police)
    }

    func claim(at: Date? = nil, limit: Int = 100, perRecipient: Int = 100, lease: TimeInterval = 60) async throws -> [DeliveryJob] {
        let now = at ?? start
        return try await store.claimDue(ClaimRequest(now: now, limit: limit, perRecipientLimit: perRecipient,
                                                     leaseUntil: now.addingTimeInterval(lease)))
    }
}
