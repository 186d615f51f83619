// libFuzzer target: UraCrypto's JWS parsing (compact, flattened and general serializations) on
// arbitrary bytes, then what intake does with a parsed JWS before it has a key: read the headers
// and build each signing input.
import UraCrypto

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let jws = try? JWS.parse(bytes) else { return 0 }
    if jws.signatures.isEmpty { fatalError("a parsed JWS has no signature") }
    for (index, signature) in jws.signatures.enumerated() {
        _ = (signature.algorithm, signature.keyID, signature.type)
        _ = jws.signingInput(index)
    }
    return 0
}
