import Foundation
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraStore

/// Sends the gateway's own messages — overdue deadlines, alerts — to agencies' inboxes: an
/// envelope signed with the gateway's key whose body (metadata only: case reference, types, dates,
/// agency ids) is encrypted to the recipients like any form, committed and delivered like any
/// message, with its ledger entries.
public struct NoticeSender: Sendable {
    let store: any Store
    let directory: DirectoryBook
    let signer: GatewaySigner
    let clock: any WallClock
    let events: GatewayEvents

    public init(store: any Store, directory: DirectoryBook, signer: GatewaySigner, clock: any WallClock, events: GatewayEvents) {
        self.store = store
        self.directory = directory
        self.signer = signer
        self.clock = clock
        self.events = events
    }

    /// The reference operational notices use when they concern no case.
    public static let operationsCase = CaseReference(validated: "XX-0000-000000")

    /// The active secretariat mailboxes.
    func secretariat() -> [AgencyID] { directory.snapshot.directory.agencies(ofKind: .secretariat).map(\.id) }

    /// Commits a notice of `type` to `recipients` (those without a current encryption key are
    /// skipped and logged). Returns its id, or nil when nobody could receive it.
    @discardableResult
    func send(type: MessageType, to recipients: [AgencyID], caseReference: CaseReference, subject: SubjectCategory = .unknown,
              body: JSONObject, reportOverdue: [String] = []) async throws -> MessageID? {
        let snapshot = directory.snapshot
        let now = clock.now
        var unique: [AgencyID] = []
        for id in recipients where !unique.contains(id) { unique.append(id) }
        let reachable = unique.filter { id in
            let usable = snapshot[id]?.status == .active && !snapshot.encryptionKeys(of: id, at: now).isEmpty
            if !usable { events.log.warning("notice.skipped_recipient", ["to": .id(id), "type": .id(type)]) }
            return usable
        }
        guard !reachable.isEmpty else { return nil }
        let id = MessageID.random()
        var form = body
        form["case"] = .string(caseReference.rawValue)
        form["issued_at"] = .string(RFC3339.string(from: now))
        let (jws, envelope) = try MessageSealing.seal(JSONValue.object(form).serialized(), id: id, to: reachable.flatMap { snapshot.encryptionKeys(of: $0, at: now) },
                                          signingKey: signer.key) { body in
            try Envelope(id: id, type: type, from: signer.id, to: reachable, caseReference: caseReference, subject: subject,
                         priority: .urgent, created: now, expires: now.addingTimeInterval(90 * 86_400), body: body)
        }
        let digest = Base64URL.encode(SHA256.hash(jws.signingInput))
        let receipt = try signer.sign(Receipt(kind: .accepted, message: id, digest: digest, at: now, by: signer.id)).serialized()
        let metadata = MessageMetadata(envelope)
        let channels = Dictionary(uniqueKeysWithValues: reachable.compactMap { r in snapshot[r].map { (r, $0.delivery.channel) } })
        _ = try await store.commit(AcceptedMessage(
            metadata: metadata, signedBytes: jws.serialized(), digest: digest, acceptedAt: now, acceptedReceipt: receipt,
            channels: channels, senderKind: .gateway, deadlines: DeadlineEffects(reportOverdue: reportOverdue)))
        events.committed(metadata, channels: channels)
        return id
    }
}
