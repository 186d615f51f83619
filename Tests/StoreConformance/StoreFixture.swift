import Foundation
import UraBasics
import UraCrypto
import UraModel
import UraStore

/// A store on fresh storage and the messages the checks commit to it. Closes the store and removes
/// the storage when it goes away.
///
/// The ledger is hashed with SHA-256, and the "signature" of a tree head is its JSON, which is
/// enough to see that a store signs what it should without a key.
/// @unchecked Sendable: `store` is replaced only by `reopen()`, which a check calls between steps,
/// never while its own tasks use the store.
public final class StoreFixture: @unchecked Sendable {
    public let storage: any StoreStorage
    public private(set) var store: any Store
    /// The time of the checks' first message (2026-11-23T09:15:00Z).
    public let start = Date(timeIntervalSince1970: 1_795_425_300)

    public static let police = AgencyID(validated: "al.police.dvp-tirane")
    public static let secretariat = AgencyID(validated: "al.mpb.secretariat")
    public static let shelter = AgencyID(validated: "al.shelter.qkpvt")
    public static let child = AgencyID(validated: "al.ashdmf.tirane")

    /// The signed bytes of the head `(size, root)`: `{"tree_size":…,"root":"<hex>"}`.
    public static func head(_ size: Int, _ root: [UInt8]) -> [UInt8] {
        Array(#"{"tree_size":\#(size),"root":"\#(Hex.encode(root))"}"#.utf8)
    }

    public static let ledger = LedgerConfiguration(hash: { SHA256.hash($0) }, signHead: head,
                                                   verifyHead: { signed, size, root in signed == head(size, root) })

    /// Opens a store on `storage`, which the fixture owns from now on.
    public init(storage: any StoreStorage) throws {
        self.storage = storage
        do {
            store = try storage.open(ledger: Self.ledger)
        } catch {
            storage.remove()
            throw error
        }
    }

    /// Closes the store and opens another on the same storage (a restart).
    public func reopen() throws {
        store.close()
        store = try storage.open(ledger: Self.ledger)
    }

    deinit {
        store.close()
        storage.remove()
    }

    /// A referral from the police to `to`, accepted at `at` (default `start`), expiring 30 days
    /// later, every recipient on push unless `channels` says otherwise.
    public func accepted(id: MessageID = .random(), to: [AgencyID] = [secretariat, shelter], priority: Priority = .normal,
                         digest: String? = nil, channels: [AgencyID: DeliveryChannel]? = nil, at: Date? = nil,
                         caseReference: String = "AL-2026-000042", county: County? = .tirane) -> AcceptedMessage {
        let at = at ?? start
        let metadata = MessageMetadata(
            id: id, type: MessageType(validated: "referral.shelter"), from: Self.police, to: to,
            caseReference: CaseReference(validated: caseReference), subject: .child, priority: priority, created: at,
            expires: at.addingTimeInterval(30 * 86_400), inReplyTo: nil, participants: nil, county: county)
        let bytes = Array(#"{"protected":"x","payload":"\#(id)","signature":"y"}"#.utf8)
        return AcceptedMessage(
            metadata: metadata, signedBytes: bytes, digest: digest ?? String(repeating: "A", count: 43), acceptedAt: at,
            acceptedReceipt: Array("accepted:\(id)".utf8),
            channels: channels ?? Dictionary(uniqueKeysWithValues: to.map { ($0, DeliveryChannel.push) }), senderKind: .police)
    }

    /// Leases the push deliveries due at `at` (default `start`) for `lease` seconds.
    public func claim(at: Date? = nil, limit: Int = 100, perRecipient: Int = 100, lease: TimeInterval = 60) async throws -> [DeliveryJob] {
        let now = at ?? start
        return try await store.claimDue(ClaimRequest(now: now, limit: limit, perRecipientLimit: perRecipient,
                                                     leaseUntil: now.addingTimeInterval(lease)))
    }
}
