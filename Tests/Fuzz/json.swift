// libFuzzer target: UraJSON's strict parser on arbitrary bytes. Whatever it accepts must
// serialize (sorted keys, the canonical form signatures and ledger leaves use) to bytes that parse
// back to the same value and serialize identically.
import UraJSON

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let value = try? JSONValue(parsing: bytes, limits: JSONParser.Limits(maxDepth: 64, maxBytes: 1 << 20)) else { return 0 }
    let canonical = value.serialized(options: .sortedKeys)
    guard let again = try? JSONValue(parsing: canonical) else {
        fatalError("the serialization of an accepted document does not parse: \(String(decoding: canonical, as: UTF8.self))")
    }
    if again != value { fatalError("the value changed through serialization: \(String(decoding: canonical, as: UTF8.self))") }
    if again.serialized(options: .sortedKeys) != canonical { fatalError("the serialization is not stable") }
    return 0
}
