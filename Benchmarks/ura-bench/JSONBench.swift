import UraProvisioning
import UraClient
import UraDaemon
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraLoad
import UraProtocol
import UraStoreSQLite

/// Parse and serialize rate of a 4 KiB JSON envelope-like document.
enum JSONBench {
    static func run(_ arguments: [String]) throws {
        var members: [(String, JSONValue)] = [("id", "0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c"), ("type", "avr.assessment-request")]
        members.append(("body", .object(JSONObject([("ciphertext", .string(String(repeating: "A", count: 3800)))]))))
        let bytes = JSONValue.object(JSONObject(members)).serialized()
        let parse = try measureRate { _ = try JSONValue(parsing: bytes); return 1 }
        report(suite: "json", case: "parse-\(bytes.count)B", rate: parse)
        let value = try JSONValue(parsing: bytes)
        let write = measureRate { _ = value.serialized(); return 1 }
        report(suite: "json", case: "serialize-\(bytes.count)B", rate: write)
    }
}
