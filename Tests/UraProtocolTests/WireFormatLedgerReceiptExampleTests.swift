import Foundation
import Testing
import UraCrypto
import UraJSON
import UraModel
import UraProtocol

/// docs/wire-format.md's ledger receipt ("Receipts signed per batch"), recomputed: the ledger's
/// leaves from the example's events, the tree head over them signed with the page's gateway key,
/// and the receipt of the page's message from that tree; then `LedgerReceipt.verify` accepts the
/// page's receipt and refuses each kind of change to it.
extension WireFormatExampleTests {
    static let gateway = AgencyID(validated: "al.ura.gateway")
    static let mission = AgencyID(validated: "al.mepj.mission.it-rome")
    static let secretariat = AgencyID(validated: "al.mpb.secretariat")
    static let caseReference = CaseReference(validated: "AL-2026-000061")

    static func time(_ text: String) -> Date { RFC3339.date(from: text)! }

    /// The example's ledger: a fresh gateway's first five entries. Entries 0 to 2 were committed
    /// before; the page's message was committed in a batch of its own with the deadline it arms
    /// (entries 3 and 4), after which the gateway signed the head over five entries.
    func exampleEvents() throws -> [LedgerEvent] {
        let notice = MessageMetadata(
            id: MessageID(validated: "01938a24-7b90-7c11-8f3e-5a6b7c8d9e0f"), type: MessageType(validated: "notice"), from: Self.secretariat,
            to: [Self.mission], caseReference: Self.caseReference, subject: .adult, priority: .normal,
            created: Self.time("2026-12-07T09:19:58Z"), expires: Self.time("2027-01-06T09:19:58Z"), inReplyTo: nil, participants: nil, county: nil)
        let message = MessageMetadata(try Envelope(json: try json("envelope")))
        return [
            LedgerEvent(.declarationRecorded, at: Self.time("2026-12-07T09:10:00Z"), agency: Self.mission, data: [
                "id": "01938a1b-2c3d-7e4f-8a5b-6c7d8e9f0a1b", "case": .string(Self.caseReference.rawValue), "role": "interviewer",
                "declared_on": "2026-12-07", "form_digest": "m3yC5Q1Zr8k2YtH0dXo7bW4aVf6uJnLgEiPsTqRz9cA",
            ]),
            MessageBinding.acceptedEvent(notice, digest: "Xh2Qe0Vb7mTz4LsK9dWc1RyN6uJpFa3oGiEk8HtBnMw", at: Self.time("2026-12-07T09:20:00Z")),
            LedgerEvent(.deliveryLeased, at: Self.time("2026-12-07T09:20:02Z"), message: notice.id, agency: Self.mission,
                        data: ["attempt": 1, "lease_until": "2026-12-07T09:25:02Z"]),
            MessageBinding.acceptedEvent(message, digest: try block("digest"), at: Self.time("2026-12-07T09:30:01Z")),
            LedgerEvent(.deadlineArmed, at: Self.time("2026-12-07T09:30:01Z"), message: message.id, data: [
                "deadline": .string("\(message.id)/0"), "case": .string(Self.caseReference.rawValue), "rule": "same-day",
                "due": "2026-12-07T15:00:00Z", "expected": ["return.assessment-request"],
            ]),
        ]
    }

    /// The leaves of `exampleEvents`, each chained to the hash of the one before.
    func exampleLeaves() throws -> [[UInt8]] {
        let chain = LedgerChain(hash: { SHA256.hash($0) })
        var previous = LedgerChain.genesis
        return try exampleEvents().enumerated().map { index, event in
            let leaf = chain.leaf(index: index, previous: previous, event: event)
            previous = chain.leafHash(leaf)
            return leaf
        }
    }

    /// The receipt the gateway gives for the page's message (entry 3), under the head over the five.
    func exampleLedgerReceipt() throws -> (receipt: LedgerReceipt, headPayload: JSONValue) {
        let leaves = try exampleLeaves()
        let tree = MerkleTree(hash: { SHA256.hash($0) })
        let hashes = leaves.map { tree.hash([0x00] + $0) }
        let payload: JSONValue = ["tree_size": .number(Double(leaves.count)), "root": .string(Base64URL.encode(tree.root(hashes[...]))),
                                  "gateway": .string(Self.gateway.rawValue)]
        let key = try SigningKey(jwk: try json("gateway-signing-key"))
        let head = try JWS.sign(payload: payload.serialized(options: .sortedKeys), header: ["typ": "ura-tree-head+json"], with: key).serialized()
        let receipt = try #require(LedgerReceipt(index: 3, leaf: leaves[3], path: tree.inclusionProof(index: 3, hashes[...]),
                                                 treeSize: leaves.count, signedHead: head, by: Self.gateway))
        return (receipt, payload)
    }

    /// The page's gateway key as the directory would list it; any other kid is unknown.
    func gatewayKey(_ kid: String) throws(SignedObjectCheck.Failure) -> VerificationKey {
        guard let key = try? SigningKey(jwk: try json("gateway-signing-key")), key.keyID == kid else {
            throw .unknownKey(kid: kid, reason: "is signed with key \(kid), which the directory does not list for al.ura.gateway")
        }
        return key.publicKey
    }

    /// The page's ledger receipt with `change` applied to its JSON, as a client would receive it.
    func pageReceipt(_ change: (inout JSONObject) throws -> Void = { _ in }) throws -> LedgerReceipt {
        var object = try #require(try json("ledger-receipt").objectValue)
        try change(&object)
        return try LedgerReceipt(parsing: JSONValue.object(object).serialized())
    }

    func failure(of receipt: LedgerReceipt) -> LedgerReceipt.Failure? {
        do { _ = try receipt.verify(key: gatewayKey); return nil } catch { return error }
    }

    @Test func theGatewayKeyIsListedUnderItsThumbprint() throws {
        let jwk = try json("gateway-signing-key")
        #expect(try SigningKey(jwk: jwk).keyID == jwk["kid"]?.stringValue)
    }

    @Test func theLedgerLeavesAreTheExampleEventsChained() throws {
        let lines = try block("ledger-leaves").split(separator: "\n").map(String.init)
        #expect(lines == (try exampleLeaves()).map { String(decoding: $0, as: UTF8.self) })
        #expect(try JSONValue(parsing: Array(lines[3].utf8)) == (try json("accepted-leaf")))
    }

    @Test func theLedgerReceiptIsTheMessagesLeafAndPathUnderTheSignedHead() throws {
        let (receipt, headPayload) = try exampleLedgerReceipt()
        #expect(receipt.json == (try json("ledger-receipt")))
        #expect(headPayload == (try json("tree-head-payload")))
        let kid = try #require(try json("gateway-signing-key")["kid"])
        let header = try JWS.parse(receipt.signedHead).signature.protectedHeader
        #expect(header == ["alg": "EdDSA", "kid": kid, "typ": "ura-tree-head+json"])
        // Its claims are those of a signed accepted receipt for the page's message.
        let message = try Envelope(json: try json("envelope"))
        #expect(receipt.claims == Receipt(kind: .accepted, message: message.id, digest: try block("digest"),
                                          at: Self.time("2026-12-07T09:30:01Z"), by: Self.gateway))
    }

    /// The page's walk from the leaf to the root, step by step, as RFC 9162 §2.1.3.2 takes it.
    @Test func theAuditPathStepsLeadToTheSignedRoot() throws {
        let steps = try block("audit-path-steps").split(separator: "\n").map { try Base64URL.decode(String(try #require($0.split(separator: " ").last))) }
        let receipt = try pageReceipt()
        let tree = MerkleTree(hash: { SHA256.hash($0) })
        let leafHash = tree.hash([0x00] + receipt.leaf)
        let lower = tree.node(receipt.path[0], leafHash)
        let upper = tree.node(receipt.path[1], lower)
        #expect(steps == [leafHash, lower, upper, tree.node(upper, receipt.path[2])])
        #expect(Base64URL.encode(steps[3]) == (try json("tree-head-payload")["root"]?.stringValue))
    }

    @Test func thePagesLedgerReceiptVerifiesWithOneHeadCheckPerHead() throws {
        let receipt = try pageReceipt()
        #expect(LedgerReceipt.isLedgerReceipt(receipt.serialized()))
        #expect(!LedgerReceipt.isLedgerReceipt(Array(try json("delivered-receipt").serialized())))
        let heads = TreeHeadCache()
        let claims = try receipt.verify(key: gatewayKey, verifiedHeads: heads)
        let digest = try block("digest")
        #expect(claims.kind == .accepted && claims.digest == digest && claims.by == Self.gateway)
        // The same head again: its root comes from the cache, no key is asked for.
        let again = try receipt.verify(key: { kid throws(SignedObjectCheck.Failure) in throw .unknownKey(kid: kid, reason: "asked twice") },
                                       verifiedHeads: heads)
        #expect(again == claims)
    }

    @Test func aChangedLeafIsRefused() throws {
        // The leaf names another digest: it no longer hashes to the root, whatever the claims say.
        let changed = try pageReceipt { object in
            let leaf = String(decoding: try Base64URL.decode(try #require(object["leaf"]?.stringValue)), as: UTF8.self)
            let digest = try block("digest")
            let other = String(digest.dropLast()) + (digest.hasSuffix("A") ? "B" : "A")
            object["leaf"] = .string(Base64URL.encode(Array(leaf.replacingOccurrences(of: digest, with: other).utf8)))
            object["digest"] = .string(other)
        }
        #expect(failure(of: changed) == .notIncluded)
    }

    @Test func aChangedPathEntryIsRefused() throws {
        let entries = try #require(try json("ledger-receipt")["path"]?.arrayValue)
        #expect(entries.count == 3)
        for position in entries.indices {
            let changed = try pageReceipt { object in
                var hash = try Base64URL.decode(try #require(entries[position].stringValue))
                hash[0] ^= 0x01
                var path = entries
                path[position] = .string(Base64URL.encode(hash))
                object["path"] = .array(path)
            }
            #expect(failure(of: changed) == .notIncluded, "path entry \(position)")
        }
        #expect(failure(of: try pageReceipt { $0["path"] = .array(Array(entries.dropLast())) }) == .notIncluded)
        #expect(failure(of: try pageReceipt { $0["index"] = 2 }) == .notIncluded)
    }

    @Test func aHeadSignedByAnotherKeyIsRefused() throws {
        let (_, headPayload) = try exampleLedgerReceipt()
        let other = try SigningKey(jwk: try json("sender-signing-key"))
        let signed = try JWS.sign(payload: headPayload.serialized(options: .sortedKeys), header: ["typ": "ura-tree-head+json"], with: other)
        // Under its own kid: a key the directory does not list for the gateway.
        let unknown = try pageReceipt { $0["signed_head"] = signed.json }
        #expect(failure(of: unknown) == .head(.unknownKey(kid: other.keyID, reason: "is signed with key \(other.keyID), which the directory does not list for al.ura.gateway")))
        // Under the gateway's kid: the signature does not verify with the gateway's key.
        let gatewayKid = try #require(try json("gateway-signing-key")["kid"]?.stringValue)
        let forged = try JWS.sign(payload: headPayload.serialized(options: .sortedKeys), header: ["typ": "ura-tree-head+json"], with: other)
        var forgedJSON = try #require(forged.json.objectValue)
        forgedJSON["protected"] = .string(Base64URL.encode(JSONValue.object(["alg": "EdDSA", "kid": .string(gatewayKid), "typ": "ura-tree-head+json"]).serialized()))
        #expect(failure(of: try pageReceipt { $0["signed_head"] = .object(forgedJSON) }) == .head(.invalidSignature(kid: gatewayKid)))
        // A signed receipt's typ is not a tree head's.
        let key = try SigningKey(jwk: try json("gateway-signing-key"))
        let notAHead = try JWS.sign(payload: headPayload.serialized(options: .sortedKeys), header: ["typ": "ura-receipt+json"], with: key)
        guard case .head? = failure(of: try pageReceipt { $0["signed_head"] = notAHead.json }) else {
            Issue.record("a JWS of another typ was taken for a tree head")
            return
        }
    }

    @Test func aClaimTheLeafDoesNotMakeIsRefused() throws {
        let leafClaims: [(String, JSONValue)] = [
            ("digest", .string(String(repeating: "A", count: 43))),
            ("message", "01938a2e-5c1f-7d3a-9b4e-2f6c8d0a1b3d"),
            ("at", "2026-12-07T09:30:02Z"),
        ]
        for (member, value) in leafClaims {
            guard case .claims? = failure(of: try pageReceipt { $0[member] = value }) else {
                Issue.record("a receipt with another \(member) than its leaf's was not refused for its claims")
                continue
            }
        }
        // Claims the head makes: the gateway that signed it and the size it is over.
        guard case .headMismatch? = failure(of: try pageReceipt { $0["by"] = "al.ura.other-gateway" }) else {
            Issue.record("a receipt by another gateway than its head's was not refused")
            return
        }
        guard case .headMismatch? = failure(of: try pageReceipt { $0["tree_size"] = 6 }) else {
            Issue.record("a receipt over another tree size than its head's was not refused")
            return
        }
        // Another entry of the tree (the deadline armed with the message) is not an accepted leaf.
        let leaves = try exampleLeaves()
        let tree = MerkleTree(hash: { SHA256.hash($0) })
        let path = tree.inclusionProof(index: 4, leaves.map { tree.hash([0x00] + $0) }[...])
        let deadline = try pageReceipt { object in
            object["index"] = 4
            object["leaf"] = .string(Base64URL.encode(leaves[4]))
            object["path"] = .array(path.map { .string(Base64URL.encode($0)) })
        }
        guard case .claims? = failure(of: deadline) else {
            Issue.record("a deadline.armed leaf was taken for the message's acceptance")
            return
        }
    }
}

