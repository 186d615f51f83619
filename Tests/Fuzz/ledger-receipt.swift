// libFuzzer target: UraProtocol's reading of a receipt signed per batch (`LedgerReceipt`), the
// 202 a client gets from the gateway, on arbitrary bytes; a receipt that parses is checked against
// a fixed gateway key (which must refuse it without crashing: nobody here signed it), and its
// serialization must read back to the same receipt — but for `at`, which the format writes to the
// millisecond (a time given finer reads back truncated, at or before it: the fuzzer's first
// finding), and which must then be stable (its second finding, in year 857: the truncation was
// decided on a product of seconds and a thousand that landed off the count; RFC3339.writtenMillis).
import Foundation
import UraCrypto
import UraModel
import UraProtocol

let key = try! SigningKey.generate(.eddsa)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = LedgerReceipt.isLedgerReceipt(bytes)
    guard let receipt = try? LedgerReceipt(parsing: bytes) else { return 0 }
    guard let again = try? LedgerReceipt(parsing: receipt.serialized()),
          again.claims.at <= receipt.claims.at,
          receipt.claims.at.timeIntervalSince(again.claims.at) < 0.001 + 4 * receipt.claims.at.timeIntervalSince1970.magnitude.ulp,
          again == LedgerReceipt(claims: Receipt(kind: receipt.claims.kind, message: receipt.claims.message, digest: receipt.claims.digest,
                                                 recipient: receipt.claims.recipient, at: again.claims.at, by: receipt.claims.by,
                                                 reason: receipt.claims.reason),
                                 index: receipt.index, leaf: receipt.leaf, path: receipt.path, treeSize: receipt.treeSize, signedHead: receipt.signedHead),
          (try? LedgerReceipt(parsing: again.serialized())) == again else {
        fatalError("a ledger receipt does not read back from its own serialization")
    }
    let cache = TreeHeadCache(capacity: 2)
    for _ in 0..<2 {
        if (try? receipt.verify(key: { _ throws(SignedObjectCheck.Failure) in key.publicKey }, verifiedHeads: cache)) != nil {
            fatalError("a receipt nobody signed with the fuzzer's key checked out")
        }
    }
    return 0
}
