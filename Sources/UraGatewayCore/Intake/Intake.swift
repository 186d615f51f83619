import Foundation
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraSchema
import UraStore

/// Takes a signed message from an authenticated agency and either commits it — answering with the
/// gateway's signed accepted receipt only once it is durably stored — or says exactly why not.
///
/// In order: size; JWS structure with a protected `alg` and `kid`; the key is registered for the
/// sender and valid now; the signature; the envelope's schema; `from` is the authenticated agency;
/// times within the clock-skew window and not expired; every recipient exists and is active; the
/// catalogue's routing rules; the body is a JWE encrypted to every recipient for this message id;
/// then one atomic commit (message, deliveries, ledger, deadlines) and the receipt. The same id
/// with the same digest returns the original receipt; with another digest it is a conflict.
public final class Intake: Sendable {
    let store: any Store
    let directory: DirectoryBook
    let catalogue: MessageCatalogue
    let policy: RoutingPolicy
    let planner: DeadlinePlanner
    let signer: GatewaySigner
    let clock: any WallClock
    let settings: IntakeSettings
    let events: GatewayEvents
    let tree = MerkleTree(hash: { SHA256.hash($0) })

    public init(store: any Store, directory: DirectoryBook, catalogue: MessageCatalogue, planner: DeadlinePlanner,
                signer: GatewaySigner, clock: any WallClock, settings: IntakeSettings = IntakeSettings(), events: GatewayEvents) {
        self.store = store
        self.directory = directory
        self.catalogue = catalogue
        self.policy = RoutingPolicy(catalogue: catalogue.catalogue)
        self.planner = planner
        self.signer = signer
        self.clock = clock
        self.settings = settings
        self.events = events
    }

    /// The outcome of a submission that was not rejected.
    public struct Submission: Sendable {
        public let messageID: MessageID
        /// The accepted receipt: a flattened JWS exactly as stored, or for a sender whose receipts
        /// are signed per batch a `LedgerReceipt` (JSON).
        public let receipt: [UInt8]
        /// False when this was a resubmission of a message already accepted.
        public let isNew: Bool
        /// True when `receipt` is a ledger receipt (`application/json`), not a JWS.
        public let isLedgerReceipt: Bool

        init(messageID: MessageID, receipt: [UInt8], isNew: Bool, isLedgerReceipt: Bool = false) {
            (self.messageID, self.receipt, self.isNew, self.isLedgerReceipt) = (messageID, receipt, isNew, isLedgerReceipt)
        }
    }

    public func submit(_ bytes: [UInt8], from authenticated: AgencyID) async throws(GatewayError) -> Submission {
        do {
            return try await accept(bytes, from: authenticated)
        } catch {
            events.rejected(error)
            throw error
        }
    }

    /// A message a peer gateway relays (federation): the original sender's JWS, unchanged. It must
    /// be from one of `peer`'s own agencies (as the peer's signed directory lists them) and go on to
    /// this gateway's own agencies; it is then checked as any submission — the sender's signature
    /// against its key from that directory, this gateway's catalogue — and stored once. Only this
    /// gateway's own recipients get a delivery here (the signed envelope keeps them all).
    ///
    /// `deliverUntil` is the relaying peer's window to deliver (`Ura-Deliver-Until`). A window that
    /// runs past the message's expiry means the peer's secretariat redrove a dead letter: the
    /// message is then taken (expired or not) when the window is open and no longer than a message
    /// may live, and delivered here until the window closes.
    public func relay(_ bytes: [UInt8], from peer: AgencyID, deliverUntil: Date? = nil) async throws(GatewayError) -> Submission {
        do throws(GatewayError) {
            let snapshot = directory.snapshot
            guard let relaying = snapshot[peer], relaying.isPeerGateway else {
                throw GatewayError(.relayNotAllowed, "\(peer) is not a peer gateway of this gateway's directory; only peers relay messages")
            }
            let jws = try parse(bytes)
            guard let payload = try? JSONValue(parsing: jws.payload), let text = payload["from"]?.stringValue, let from = try? AgencyID(text) else {
                throw GatewayError(.invalidEnvelope, "the relayed message's envelope names no valid sender (from)")
            }
            guard let sender = snapshot[from], sender.via == peer else {
                events.log.warning("federation.relay_refused", ["peer": .id(peer), "from": .id(from)])
                throw GatewayError(.relayNotAllowed, "\(peer) may relay only messages from its own agencies, and \(from) is not one of them "
                                   + "(its signed directory does not list it, or it is not \(peer)'s)")
            }
            return try await accept(bytes, from: from, relayedBy: relaying, window: deliverUntil)
        } catch {
            events.rejected(error)
            throw error
        }
    }

    private func accept(_ bytes: [UInt8], from authenticated: AgencyID, relayedBy peer: Agency? = nil, window: Date? = nil) async throws(GatewayError) -> Submission {
        guard bytes.count <= settings.maxMessageBytes else {
            throw GatewayError(.payloadTooLarge, "the message has \(bytes.count) bytes; the limit is \(settings.maxMessageBytes)")
        }
        let now = clock.now
        let snapshot = directory.snapshot
        guard let sender = snapshot[authenticated] else {
            throw GatewayError(.clientCertificateUnknown, "\(authenticated) is not in the directory")
        }
        guard sender.status == .active else { throw GatewayError(.agencySuspended, "\(authenticated) is suspended in the directory") }
        if sender.isPeerGateway {
            throw GatewayError(.forbidden, "\(sender.id) is a peer gateway: it relays its agencies' messages to POST /v1/federation/messages and sends none of its own")
        }

        let jws = try parse(bytes)
        do {
            return try await accept(jws, bytes: bytes, from: sender, relayedBy: peer, window: window, snapshot: snapshot, now: now)
        } catch where Self.mayChangeAfterAcceptance.contains(error.type) {
            // A sender whose answer was lost sends again later (a mission's outbox): by then its key
            // may have been rotated, the message expired or a recipient suspended. What was
            // accepted stays accepted: the same message from the same sender gets its receipt.
            guard let earlier = acceptedEarlier(jws, from: sender.id) else { throw error }
            events.duplicate(earlier.messageID)
            return earlier
        }
    }

    /// Refusals that the passing of time, the directory or the catalogue can cause for a message
    /// that was fine when it was first accepted.
    static let mayChangeAfterAcceptance: Set<ProblemType> = [
        .unknownSigningKey, .invalidEnvelope, .unknownRecipient, .recipientInactive, .unknownMessageType, .routeNotAllowed,
        .routingRuleViolated, .replyMismatch, .declarationsMissing, .bodyNotEncryptedToRecipient, .createdOutOfWindow, .messageExpired,
    ]

    /// The original submission of exactly these signed contents by `sender`, if it was accepted.
    private func acceptedEarlier(_ jws: ParsedJWS, from sender: AgencyID) -> Submission? {
        guard let payload = try? JSONValue(parsing: jws.payload), let text = payload["id"]?.stringValue, let id = try? MessageID(text),
              let stored = try? store.message(id), stored.metadata.from == sender,
              stored.digest == Base64URL.encode(SHA256.hash(jws.signingInput())),
              let receipt = try? original(stored.acceptedReceipt, of: id) else { return nil }
        return Submission(messageID: id, receipt: receipt, isNew: false, isLedgerReceipt: stored.acceptedReceipt.isEmpty)
    }

    private func accept(_ jws: ParsedJWS, bytes: [UInt8], from sender: Agency, relayedBy peer: Agency?, window: Date? = nil,
                        snapshot: DirectorySnapshot, now: Date) async throws(GatewayError) -> Submission {
        do {
            _ = try SignedObjectCheck.verify(jws) { kid throws(SignedObjectCheck.Failure) in
                guard let key = snapshot.signingKey(kid: kid, agency: sender.id, at: now) else {
                    throw .unknownKey(kid: kid, reason: unknownKey(kid, sender: sender.id, snapshot: snapshot, at: now))
                }
                return key
            }
        } catch {
            switch error {
            case .noKeyID: throw GatewayError(.malformedJWS, "the protected header has no kid; sign with the key's RFC 7638 thumbprint as kid")
            case .unknownKey(_, let reason): throw GatewayError(.unknownSigningKey, reason)
            case .invalidSignature(let kid):
                throw GatewayError(.invalidSignature, "the signature does not verify with \(sender.id)'s key \(kid); the message was changed after signing, or signed with another key")
            case .payload(let reason), .unsupported(let reason): throw GatewayError(.unsupportedAlgorithm, reason)
            }
        }
        let signingInput = jws.signingInput()

        let payload: JSONValue
        do { payload = try JSONValue(parsing: jws.payload) } catch {
            throw GatewayError(.malformedJSON, "the JWS payload is not valid JSON: \(error)")
        }
        if !catalogue.envelope.isValid(payload) {
            let errors = catalogue.envelope.validate(payload)
            throw GatewayError(.invalidEnvelope, "the envelope does not match envelope.schema.json: " + errors.prefix(3).map(\.description).joined(separator: "; "),
                          extensions: ["errors": .array(errors.prefix(20).map { e in
                              ["pointer": .string(e.instancePath), "keyword": .string(e.keyword), "detail": .string(e.message)]
                          })])
        }
        let envelope: Envelope
        do { envelope = try Envelope(json: payload) } catch {
            throw GatewayError(.invalidEnvelope, error.description)
        }
        guard envelope.from == sender.id else {
            throw GatewayError(.senderMismatch, "the envelope says from \(envelope.from), but the client certificate is \(sender.id)'s; an agency sends only as itself")
        }
        // A relayed message the peer redrove: delivered within the peer's new window, which runs past
        // the message's own expiry — whether that has passed yet or not (the peer gives up on a
        // delivery as soon as its next attempt would come too late, so a redrive may come before).
        let redriven = peer == nil ? nil : window.flatMap {
            $0 > now && $0 > envelope.expires && $0.timeIntervalSince(now) <= settings.maxLifetime.seconds ? $0 : nil
        }
        try checkTimes(envelope, now: now, expiredButRedriven: redriven != nil)

        var recipients: [Agency] = []
        for id in envelope.to {
            guard let recipient = snapshot[id] else {
                throw GatewayError(.unknownRecipient, "\(id) is not in the directory (version \(snapshot.directory.version)); check the id or fetch GET /v1/directory")
            }
            guard recipient.status == .active else { throw GatewayError(.recipientInactive, "\(id) is suspended and cannot receive messages") }
            recipients.append(recipient)
        }
        var metadata = MessageMetadata(envelope)
        // Statistics count by county: the case's county when the envelope names it, else the sender's.
        if metadata.county == nil { metadata.county = sender.county }
        try checkBorder(metadata.type, recipients: recipients, relayedBy: peer)
        try policy.check(metadata, sender: sender, recipients: recipients, facts: try facts(for: metadata))
        try checkBody(envelope, recipients: recipients, snapshot: snapshot, now: now)
        if peer != nil {
            // The origin gateway delivers to its own agencies; this hop delivers to this gateway's.
            recipients.removeAll(where: \.isForeign)
            metadata.to = recipients.map(\.id)
        }

        let digest = Base64URL.encode(SHA256.hash(signingInput))
        // A sender whose receipts are signed per batch gets the batch's signed head and the
        // message's audit path after the commit; nothing is signed for it here, and the stored
        // receipt stays empty (a repeat gets a ledger receipt again, under the head of its time).
        let perBatch = peer == nil && sender.receipts == .perBatch
        let claims = Receipt(kind: .accepted, message: envelope.id, digest: digest, at: now, by: signer.id)
        let receipt: [UInt8]
        do {
            receipt = perBatch ? [] : try signer.sign(claims).serialized()
        } catch {
            throw GatewayError(.internalError, "the gateway could not sign the receipt")
        }
        var parties: [AgencyID: AgencyKind] = [sender.id: sender.kind]
        for r in recipients { parties[r.id] = r.kind }
        let accepted = AcceptedMessage(
            metadata: metadata, signedBytes: bytes, digest: digest, acceptedAt: now, acceptedReceipt: receipt,
            channels: Dictionary(uniqueKeysWithValues: recipients.map { ($0.id, $0.delivery.channel) }), senderKind: sender.kind,
            deadlines: DeadlineEffects(arm: planner.deadlines(for: metadata, acceptedAt: now, parties: parties),
                                       cancel: (try? policy.entry(for: metadata.type))?.closes ?? []),
            deliverUntil: redriven, relayedBy: peer?.id)
        let outcome: CommitOutcome
        do { outcome = try await store.commit(accepted) } catch {
            events.log.error("intake.store_failed", ["message": .string(envelope.id.rawValue), "error": .string("\(error)")])
            // A database out of reach: where it is (hosts and ports) is the operator's, in the log;
            // the agency learns what to do. A store that refuses writes says why (its ledger).
            let why = if case .unavailable = error { "just now" } else { "(\(error))" }
            throw GatewayError(.unavailable, "the gateway could not store the message \(why); send it again later "
                               + "(if its commit was under way it may be stored already: the same id is never stored twice)")
        }
        switch outcome {
        case .committed(let index, let batch):
            events.committed(metadata, channels: accepted.channels)
            guard perBatch else { return Submission(messageID: envelope.id, receipt: receipt, isNew: true) }
            // The claims are the leaf's (the leaf was made from them); the message is stored: if its
            // receipt cannot be made from the batch (never expected), it is made from the store,
            // and failing that the sender's retry gets it.
            let fromBatch = batch?.sealed.flatMap { sealed in
                sealed.leaf(index).flatMap { leaf in
                    sealed.auditPath(index, tree: tree).map { path in
                        LedgerReceipt(claims: claims, index: index, leaf: leaf, path: path, treeSize: sealed.treeSize, signedHead: sealed.signedHead)
                    }
                }
            }
            let answer = if let fromBatch { fromBatch.serialized() } else { try ledgerReceipt(of: envelope.id) }
            return Submission(messageID: envelope.id, receipt: answer, isNew: true, isLedgerReceipt: true)
        case .duplicate(let stored):
            events.duplicate(envelope.id)
            return Submission(messageID: envelope.id, receipt: try original(stored, of: envelope.id), isNew: false, isLedgerReceipt: stored.isEmpty)
        case .conflict:
            throw GatewayError(.idConflict, "message id \(envelope.id) is already used by a different message; a new message needs a new id")
        }
    }

    /// The receipt to give again for a message already accepted: the signed receipt as stored, or
    /// (stored empty: its sender's receipts are signed per batch) a ledger receipt under the
    /// current signed head.
    private func original(_ stored: [UInt8], of id: MessageID) throws(GatewayError) -> [UInt8] {
        stored.isEmpty ? try ledgerReceipt(of: id) : stored
    }

    /// A ledger receipt for message `id` under the current signed head, from the store.
    private func ledgerReceipt(of id: MessageID) throws(GatewayError) -> [UInt8] {
        let proof = try Ledger(store: store, signer: signer).proof(for: id)
        for entry in proof.entries {
            if let receipt = LedgerReceipt(index: entry.index, leaf: entry.leaf, path: entry.path, treeSize: proof.treeSize,
                                           signedHead: proof.signedHead, by: signer.id) {
                return receipt.serialized()
            }
        }
        throw GatewayError(.unavailable, "the ledger has no message.accepted entry of message \(id) under its signed head yet; send it again")
    }

    private func parse(_ bytes: [UInt8]) throws(GatewayError) -> ParsedJWS {
        guard bytes.first == UInt8(ascii: "{") else {
            throw GatewayError(.malformedJWS, "submit the message as a JWS in flattened JSON serialization: {\"protected\", \"payload\", \"signature\"}")
        }
        let json: JSONValue
        do {
            json = try JSONValue(parsing: bytes)
        } catch {
            throw GatewayError(.malformedJSON, "the request body is not valid JSON: \(error)")
        }
        let jws: ParsedJWS
        do { jws = try JWS.parse(json: json) } catch {
            throw GatewayError(.malformedJWS, "the request body is not a flattened JWS: \(error)")
        }
        guard jws.serialization == .flattened else {
            throw GatewayError(.malformedJWS, "use the flattened JSON serialization with exactly one signature")
        }
        guard let alg = jws.signature.protectedHeader["alg"]?.stringValue else {
            throw GatewayError(.malformedJWS, "the protected header has no alg; Ura requires the algorithm to be signed")
        }
        guard SignatureAlgorithm(rawValue: alg) != nil else {
            throw GatewayError(.unsupportedAlgorithm, "alg \(alg) is not accepted; sign with EdDSA (Ed25519) or ES256")
        }
        guard let typ = jws.signature.protectedHeader["typ"]?.stringValue else {
            throw GatewayError(.malformedJWS, "the protected header has no typ; a message is typ ura-message+json")
        }
        guard typ == "ura-message+json" else {
            throw GatewayError(.malformedJWS, "typ is \(typ); a message is typ ura-message+json")
        }
        return jws
    }

    /// Why `kid` is not a current signing key of `sender`, in a sentence that says what to do.
    private func unknownKey(_ kid: String, sender: AgencyID, snapshot: DirectorySnapshot, at now: Date) -> String {
        if let owner = snapshot.owner(ofSigningKey: kid) {
            if owner.agency != sender {
                return "the message is signed with key \(kid), which is registered for \(owner.agency), not \(sender)"
            }
            if let notAfter = owner.entry.notAfter, notAfter <= now {
                return "key \(kid) of \(sender) expired at \(RFC3339.string(from: notAfter)); sign with a current key"
            }
            return "key \(kid) of \(sender) is not valid yet"
        }
        return "the message is signed with key \(kid), which is not registered for \(sender); register it with `ura admin enrol` or sign with a registered key"
    }

    private func checkTimes(_ envelope: Envelope, now: Date, expiredButRedriven: Bool = false) throws(GatewayError) {
        let skew = settings.clockSkew.seconds
        if envelope.created.timeIntervalSince(now) > skew {
            throw GatewayError(.createdOutOfWindow, "created is \(RFC3339.string(from: envelope.created)) but the gateway's time is \(RFC3339.string(from: now)); more than \(Int(skew)) seconds ahead — check the sending computer's clock")
        }
        if now.timeIntervalSince(envelope.created) > settings.maxAge.seconds {
            throw GatewayError(.createdOutOfWindow, "created is \(RFC3339.string(from: envelope.created)), more than \(Int(settings.maxAge.seconds / 86_400)) days ago; seal the form again as a new message")
        }
        if envelope.expires <= now && !expiredButRedriven {
            throw GatewayError(.messageExpired, "the message expired at \(RFC3339.string(from: envelope.expires))")
        }
        if envelope.expires.timeIntervalSince(envelope.created) > settings.maxLifetime.seconds {
            throw GatewayError(.invalidEnvelope, "expires is more than \(Int(settings.maxLifetime.seconds / 86_400)) days after created")
        }
    }

    /// The message `in_reply_to` names and the declarations on file, when the rules need them.
    private func facts(for m: MessageMetadata) throws(GatewayError) -> RoutingPolicy.Facts {
        var facts = RoutingPolicy.Facts()
        do {
            if let replyTo = m.inReplyTo { facts.replyTarget = try store.message(replyTo)?.metadata }
            if catalogue.catalogue[m.type]?.rules.contains(.declarationsRequired) == true {
                facts.declaredRoles = Set(try store.declarations(forCase: m.caseReference).filter { $0.agency == m.from }.map(\.role))
            }
        } catch {
            throw GatewayError(.unavailable, "the gateway could not read its store (\(error)); try again")
        }
        return facts
    }

    /// Federation's rules on top of the catalogue's routes: a peer gateway is not a recipient; a
    /// message to a foreign agency, or relayed by a peer, must be of a type the catalogue lets
    /// cross a border (`cross_border`); a relayed one goes on only to this gateway's own agencies
    /// (and the relaying peer's), never through a third gateway.
    private func checkBorder(_ type: MessageType, recipients: [Agency], relayedBy peer: Agency?) throws(GatewayError) {
        if let gateway = recipients.first(where: \.isPeerGateway) {
            throw GatewayError(.unknownRecipient, "\(gateway.id) is a peer gateway, not an agency; address the agencies behind it by their ids")
        }
        let foreign = recipients.filter(\.isForeign)
        // An unknown type is the catalogue's refusal (policy), not the border's.
        guard !foreign.isEmpty || peer != nil, let entry = catalogue.catalogue[type] else { return }
        guard entry.crossBorder else {
            let whom = peer.map { "relayed by \($0.id)" } ?? "to " + foreign.map(\.id.rawValue).joined(separator: ", ") + ", behind another country's gateway"
            throw GatewayError(.crossBorderNotAllowed, "\(type) may not cross a border (\(whom)): the catalogue lets only the types marked "
                               + "cross_border through — the E forms, the return forms and notices; nothing was stored")
        }
        guard let peer else { return }
        if let beyond = foreign.first(where: { $0.via != peer.id }) {
            throw GatewayError(.crossBorderNotAllowed, "\(beyond.id) is reached through \(beyond.via.map(\.rawValue) ?? "another gateway"), not \(peer.id): "
                               + "a relayed message goes on to this gateway's own agencies only")
        }
        guard recipients.contains(where: { !$0.isForeign }) else {
            throw GatewayError(.crossBorderNotAllowed, "none of the recipients is an agency of this gateway; \(peer.id) relays only what is for them")
        }
    }

    /// The body must be a JWE bound to this message id and addressed to a current key of every recipient.
    private func checkBody(_ envelope: Envelope, recipients: [Agency], snapshot: DirectorySnapshot, now: Date) throws(GatewayError) {
        let headers: (protectedHeader: JSONObject, recipientKeyIDs: [String])
        do { headers = try JWE.headers(json: envelope.body) } catch {
            throw GatewayError(.invalidEnvelope, "body: not a JWE in JSON serialization: \(error)")
        }
        guard headers.protectedHeader["ura_msg"]?.stringValue == envelope.id.rawValue else {
            throw GatewayError(.invalidEnvelope, "body: the JWE's protected header must carry ura_msg = \(envelope.id), binding the body to this message")
        }
        try Self.checkBodyAlgorithms(envelope.body, protectedHeader: headers.protectedHeader)
        let kids = Set(headers.recipientKeyIDs)
        for recipient in recipients where snapshot.encryptionKeyIDs(of: recipient.id, at: now).isDisjoint(with: kids) {
            throw GatewayError(.bodyNotEncryptedToRecipient, "the body is not encrypted to any current key of \(recipient.id); encrypt to the keys in GET /v1/agencies/\(recipient.id)/keys")
        }
    }
}

extension Intake {
    /// The body's algorithms are the format's profile (docs/wire-format.md): A256GCM content
    /// encryption, ECDH-ES+A256KW for every recipient, and each recipient entry names the key it is
    /// for. Anything weaker or unnamed is refused with a problem that says what to use.
    static func checkBodyAlgorithms(_ body: JSONValue, protectedHeader: JSONObject) throws(GatewayError) {
        let enc = protectedHeader["enc"]?.stringValue
        guard enc == "A256GCM" else {
            throw GatewayError(.unsupportedAlgorithm, "body: enc \(enc ?? "(none)") is not accepted; encrypt the body with A256GCM (enc in the JWE's protected header)")
        }
        for (index, entry) in (body["recipients"]?.arrayValue ?? []).enumerated() {
            let alg = entry["header"]?["alg"]?.stringValue ?? protectedHeader["alg"]?.stringValue ?? body["unprotected"]?["alg"]?.stringValue
            guard alg == "ECDH-ES+A256KW" else {
                throw GatewayError(.unsupportedAlgorithm, "body: recipient \(index) uses alg \(alg ?? "(none)"); wrap the content key with ECDH-ES+A256KW")
            }
            guard entry["header"]?["kid"]?.stringValue != nil else {
                throw GatewayError(.invalidEnvelope, "body: recipient \(index) has no kid; give each recipient entry the RFC 7638 thumbprint of the key it is encrypted to in its header")
            }
        }
    }
}

extension DeliveryMode {
    var channel: DeliveryChannel {
        switch self {
        case .push: .push
        case .pull: .pull
        }
    }
}
