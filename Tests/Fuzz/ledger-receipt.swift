// libFuzzer target: UraProtocol's reading of a receipt signed per batch (`LedgerReceipt`), the
// 202 a client gets from the gateway, on arbitrary bytes; a receipt that parses is checked against
// a fixed gateway key (which must refuse it without crashing: nobody here signed it), and must
// serialize to bytes that parse back to the same receipt.
import UraCrypto
import UraProtocol

let key = try! SigningKey.generate(.eddsa)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = LedgerReceipt.isLedgerReceipt(bytes)
    guard let receipt = try? LedgerReceipt(parsing: bytes) else { return 0 }
    guard let again = try? LedgerReceipt(parsing: receipt.serialized()), again == receipt else {
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
