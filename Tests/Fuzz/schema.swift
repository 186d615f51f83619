// libFuzzer target: UraSchema's validator on hostile instances — every JSON document the fuzzer
// finds is validated against the envelope schema and every form schema of Schemas/messages, as
// intake and the inbox reader do. `isValid` (stops at the first failure) must agree with
// `validate` (collects every error).
import Foundation
import UraJSON
import UraSchema

let validators: [Validator] = {
    // scripts/fuzz runs the targets from the repository's root.
    let schemas = URL(fileURLWithPath: ProcessInfo.processInfo.environment["URA_SCHEMAS"] ?? "Schemas").standardizedFileURL
    var registry = SchemaRegistry()
    do {
        let roots = try registry.addDirectory(schemas)
        let wanted = roots.filter { $0.hasSuffix("/envelope.schema.json") || $0.contains("/messages/") }
        if wanted.count < 2 { fatalError("no envelope or form schema under \(schemas.path)") }
        return try wanted.map { uri throws(SchemaError) in try registry.compile(uri) }
    } catch {
        fatalError("the schemas under \(schemas.path) do not compile: \(error)")
    }
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let instance = try? JSONValue(parsing: bytes, limits: JSONParser.Limits(maxDepth: 64, maxBytes: 1 << 20)) else { return 0 }
    for validator in validators {
        let errors = validator.validate(instance)
        if validator.isValid(instance) != errors.isEmpty { fatalError("isValid and validate disagree") }
    }
    return 0
}
