import Foundation
import Testing
import UraBasics
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraTestTraits

/// `LedgerReceipt`: what it claims comes from its leaf; it checks out only with the head's key,
/// the right path and a leaf that says what it claims.
@Suite(.offThePool) struct LedgerReceiptTests {
    let tree = MerkleTree(hash: { SHA256.hash($0) })
    let gateway = try! AgencyID("al.ura.gateway")
    let key = try! SigningKey.generate()

    /// A ledger of `count` entries whose entry `accepted` is a message's `message.accepted`; the
    /// receipt of that entry under a head signed by `key`.
    func receipt(count: Int = 6, accepted: Int = 3, headKey: SigningKey? = nil, headSize: Int? = nil) throws -> (LedgerReceipt, MessageMetadata) {
        let metadata = MessageMetadata(
            id: .random(), type: MessageType(validated: "notice"), from: try AgencyID("al.police.dvp-tirane"), to: [try AgencyID("al.mpb.secretariat")],
            caseReference: CaseReference(validated: "AL-2026-000042"), subject: .child, priority: .normal,
            created: RFC3339.date(from: "2026-12-07T09:00:00Z")!, expires: RFC3339.date(from: "2026-12-14T09:00:00Z")!,
            inReplyTo: nil, participants: nil, county: .tirane)
        let chain = LedgerChain(hash: { SHA256.hash($0) })
        var leaves: [[UInt8]] = []
        var previous = LedgerChain.genesis
        for i in 0..<count {
            let event = i == accepted
                ? MessageBinding.acceptedEvent(metadata, digest: String(repeating: "A", count: 43), at: RFC3339.date(from: "2026-12-07T09:00:01.250Z")!)
                : LedgerEvent(.deadlineArmed, at: Date(timeIntervalSince1970: 1_800_000_000), data: ["deadline": .string("d\(i)")])
            let leaf = chain.leaf(index: i, previous: previous, event: event)
            leaves.append(leaf)
            previous = chain.leafHash(leaf)
        }
        let hashes = leaves.map(chain.leafHash)
        let size = headSize ?? count
        let root = tree.root(hashes[..<count])
        let payload: JSONValue = ["tree_size": .number(Double(size)), "root": .string(Base64URL.encode(root)), "gateway": .string(gateway.rawValue)]
        let head = try JWS.sign(payload: payload.serialized(options: .sortedKeys), header: ["typ": "ura-tree-head+json"], with: headKey ?? key).serialized()
        let receipt = try #require(LedgerReceipt(index: accepted, leaf: leaves[accepted], path: tree.inclusionProof(index: accepted, hashes[..<count]),
                                                 treeSize: count, signedHead: head, by: gateway))
        return (receipt, metadata)
    }

    func verify(_ receipt: LedgerReceipt, cache: TreeHeadCache? = nil) throws(LedgerReceipt.Failure) -> Receipt {
        try receipt.verify(key: { [key] kid throws(SignedObjectCheck.Failure) in
            guard kid == key.keyID else { throw .unknownKey(kid: kid, reason: "is not the gateway's key") }
            return key.publicKey
        }, verifiedHeads: cache)
    }

    @Test func itsClaimsComeFromTheLeafAndItChecksOutAfterARoundTrip() throws {
        let (receipt, metadata) = try receipt()
        #expect(receipt.claims == Receipt(kind: .accepted, message: metadata.id, digest: String(repeating: "A", count: 43),
                                          at: RFC3339.date(from: "2026-12-07T09:00:01.250Z")!, by: gateway))
        // The bytes spliced together are the JSON value's serialization.
        #expect(receipt.serialized() == receipt.json.serialized())
        let parsed = try LedgerReceipt(parsing: receipt.serialized())
        #expect(parsed == receipt)
        #expect(LedgerReceipt.isLedgerReceipt(receipt.serialized()))
        #expect(try verify(parsed) == receipt.claims)
        // Every size and position, including the first and the last entry and a tree of one.
        for count in 1...9 {
            for accepted in 0..<count {
                let (made, metadata) = try self.receipt(count: count, accepted: accepted)
                #expect(try verify(made).message == metadata.id)
            }
        }
    }

    @Test func noReceiptIsMadeFromAnEntryThatIsNotAnAcceptance() throws {
        let (receipt, _) = try receipt()
        #expect(LedgerReceipt(index: 2, leaf: receipt.leaf, path: receipt.path, treeSize: 6, signedHead: receipt.signedHead, by: gateway) == nil,
                "the leaf's own index is 3")
        let deadline = Array(#"{"at":"2026-12-07T09:00:00.000Z","index":0,"kind":"deadline.armed","prev":"00"}"#.utf8)
        #expect(LedgerReceipt(index: 0, leaf: deadline, path: [], treeSize: 1, signedHead: receipt.signedHead, by: gateway) == nil)
    }

    @Test func whatDoesNotCheckOutIsRefusedWithWhy() throws {
        let (good, metadata) = try receipt()
        func failure(_ receipt: LedgerReceipt) -> LedgerReceipt.Failure? {
            do { _ = try verify(receipt); return nil } catch { return error }
        }
        // A changed path entry, leaf, index or size.
        var path = good.path
        path[0] = [UInt8](repeating: 9, count: 32)
        #expect(failure(LedgerReceipt(claims: good.claims, index: good.index, leaf: good.leaf, path: path, treeSize: 6, signedHead: good.signedHead)) == .notIncluded)
        var leaf = good.leaf
        leaf[leaf.count - 5] ^= 1
        #expect(failure(LedgerReceipt(claims: good.claims, index: good.index, leaf: leaf, path: good.path, treeSize: 6, signedHead: good.signedHead)) == .notIncluded)
        #expect(failure(LedgerReceipt(claims: good.claims, index: 2, leaf: good.leaf, path: good.path, treeSize: 6, signedHead: good.signedHead)) == .notIncluded)
        if case .headMismatch? = failure(LedgerReceipt(claims: good.claims, index: good.index, leaf: good.leaf, path: good.path, treeSize: 7, signedHead: good.signedHead)) {} else {
            Issue.record("a receipt whose tree_size is not its head's must be refused")
        }
        // A claim the leaf does not make: another message, digest or time.
        var claims = good.claims
        claims.message = .random()
        if case .claims(let why)? = failure(LedgerReceipt(claims: claims, index: good.index, leaf: good.leaf, path: good.path, treeSize: 6, signedHead: good.signedHead)) {
            #expect(why.contains("its leaf says message \(metadata.id)"))
        } else {
            Issue.record("a receipt claiming another message must be refused")
        }
        claims = good.claims
        claims.at = claims.at.addingTimeInterval(1)
        if case .claims? = failure(LedgerReceipt(claims: claims, index: good.index, leaf: good.leaf, path: good.path, treeSize: 6, signedHead: good.signedHead)) {} else {
            Issue.record("a receipt claiming another time must be refused")
        }
        // A head signed with another key, a head over another size, a head of another gateway.
        let (other, _) = try receipt(headKey: try SigningKey.generate())
        if case .head(.unknownKey)? = failure(other) {} else { Issue.record("a head signed by an unknown key must be refused") }
        let (resized, _) = try receipt(headSize: 5)
        if case .headMismatch? = failure(resized) {} else { Issue.record("a head over another size must be refused") }
        claims = good.claims
        claims.by = try AgencyID("xk.ura.gateway")
        if case .headMismatch(let why)? = failure(LedgerReceipt(claims: claims, index: good.index, leaf: good.leaf, path: good.path, treeSize: 6, signedHead: good.signedHead)) {
            #expect(why.contains("signed by al.ura.gateway"))
        } else {
            Issue.record("a head of another gateway must be refused")
        }
    }

    @Test func aHeadIsCheckedOncePerCacheAndOnlyItsExactBytesAreRemembered() throws {
        let (good, _) = try receipt()
        let cache = TreeHeadCache(capacity: 2)
        var checks = 0
        func counting(_ receipt: LedgerReceipt) throws(LedgerReceipt.Failure) -> Receipt {
            try receipt.verify(key: { [key] _ throws(SignedObjectCheck.Failure) in
                checks += 1
                return key.publicKey
            }, verifiedHeads: cache)
        }
        _ = try counting(good)
        _ = try counting(good)
        #expect(checks == 1)
        // A cached head still needs the path to lead to its root.
        var path = good.path
        path[1] = [UInt8](repeating: 1, count: 32)
        #expect(throws: LedgerReceipt.Failure.notIncluded) {
            try counting(LedgerReceipt(claims: good.claims, index: good.index, leaf: good.leaf, path: path, treeSize: 6, signedHead: good.signedHead))
        }
        // Nor does it lend its root to a receipt that claims another size or another gateway.
        if case .headMismatch? = failureOf({ () throws(LedgerReceipt.Failure) -> Receipt in try counting(LedgerReceipt(claims: good.claims, index: good.index, leaf: good.leaf, path: good.path,
                                                                       treeSize: 7, signedHead: good.signedHead)) }) {} else {
            Issue.record("a cached head over 6 entries must not prove a receipt of tree_size 7")
        }
        var claims = good.claims
        claims.by = try AgencyID("xk.ura.gateway")
        if case .headMismatch? = failureOf({ () throws(LedgerReceipt.Failure) -> Receipt in try counting(LedgerReceipt(claims: claims, index: good.index, leaf: good.leaf, path: good.path,
                                                                       treeSize: 6, signedHead: good.signedHead)) }) {} else {
            Issue.record("a cached head of al.ura.gateway must not prove a receipt by another gateway")
        }
        #expect(checks == 1)
        // Bounded: the oldest head is forgotten.
        _ = try counting(try receipt().0)
        _ = try counting(try receipt().0)
        _ = try counting(good)
        #expect(checks == 4)
    }

    /// The fuzzer's first finding (`Tests/Fuzz/seeds/ledger-receipt/finding-sub-millisecond-at.json`):
    /// an `at` finer than a millisecond reads, but the format writes milliseconds, so it reads back
    /// truncated — once, then stably — and a claim finer than its leaf's time does not check out.
    @Test func aTimeFinerThanAMillisecondReadsBackTruncatedAndDoesNotMatchItsLeaf() throws {
        let (good, _) = try receipt()
        guard case .object(var object) = good.json else { return }
        object["at"] = "2026-12-07T09:00:01.2504Z"
        let fine = try LedgerReceipt(parsing: JSONValue.object(object).serialized())
        #expect(fine.claims.at == RFC3339.date(from: "2026-12-07T09:00:01.2504Z"))
        let once = try LedgerReceipt(parsing: fine.serialized())
        #expect(once.claims.at == RFC3339.date(from: "2026-12-07T09:00:01.250Z") && once == good)
        #expect(try LedgerReceipt(parsing: once.serialized()) == once)
        if case .claims? = failureOf({ () throws(LedgerReceipt.Failure) -> Receipt in try verify(fine) }) {} else {
            Issue.record("a claimed time 0.4 ms off its leaf's must be refused")
        }
    }

    @Test func malformedReceiptsAreRefusedWithTheMemberNamed() throws {
        let (good, _) = try receipt()
        func member(_ change: (inout JSONObject) -> Void) -> String? {
            guard case .object(var object) = good.json else { return nil }
            change(&object)
            do { _ = try LedgerReceipt(parsing: JSONValue.object(object).serialized()); return nil } catch { return error.field }
        }
        #expect(member { $0["typ"] = "ura-receipt+json" } == "typ")
        #expect(member { $0["index"] = -1 } == "index")
        #expect(member { $0["tree_size"] = .number(Double(good.index)) } == "tree_size")
        #expect(member { $0["leaf"] = "%%" } == "leaf")
        #expect(member { $0["path"] = ["AAAA"] } == "path")
        #expect(member { $0["path"] = .array(Array(repeating: .string(Base64URL.encode([UInt8](repeating: 0, count: 32))), count: 65)) } == "path")
        #expect(member { $0["signed_head"] = "x" } == "signed_head")
        #expect(member { $0["digest"] = "short" } == "")
        #expect(throws: ModelError.self) { try LedgerReceipt(parsing: Array("[1]".utf8)) }
        #expect(!LedgerReceipt.isLedgerReceipt(Array(#"{"protected":"e30","payload":"","signature":""}"#.utf8)))
    }

    func failureOf(_ body: () throws(LedgerReceipt.Failure) -> Receipt) -> LedgerReceipt.Failure? {
        do { _ = try body(); return nil } catch { return error }
    }
}
