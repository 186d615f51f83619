// libFuzzer target: UraCrypto's JWE parsing (compact and JSON serializations) on arbitrary bytes,
// then an attempt to decrypt with fixed recipient keys (X25519, P-256): every header and length check on the way
// to the key agreement and the cipher runs on hostile values.
import UraCrypto

let recipients = [try! AgreementPrivateKey.generate(.x25519), try! AgreementPrivateKey.generate(.p256)]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let jwe = try? JWE.parse(bytes) else { return 0 }
    for recipient in recipients { _ = try? jwe.decrypt(with: recipient) }
    return 0
}
