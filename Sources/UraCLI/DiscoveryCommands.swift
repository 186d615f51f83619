import Foundation
import UraBasics
import UraClient
import UraJSON
import UraModel
import UraSchema

/// `ura directory`: the agencies one can send to — id, name, kind, county, delivery, receipts, key ids —
/// from the signed directory (the cached copy when the gateway cannot be reached).
enum DirectoryCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: ["kind"], flags: ["json"])
        let connection = try context.connection()
        defer { connection.close() }
        let (directory, cached) = try await connection.directoryOrCached()
        if cached { Terminal.error("the gateway cannot be reached; this is the cached directory version \(directory.version)") }
        var agencies = directory.agencies
        if let kind = args.option("kind") {
            guard let k = AgencyKind(rawValue: kind) else {
                throw UsageError("--kind: '\(kind)' is not an agency kind (\(AgencyKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            agencies = agencies.filter { $0.kind == k }
        }
        for agency in agencies {
            // A foreign agency is reached through its country's gateway (federation); a peer gateway is no recipient.
            let delivery: String = agency.via.map { "via \($0)" } ?? (agency.kind == .gateway ? "peer gateway" : agency.delivery == .pull ? "pull" : "push")
            if args.flag("json") {
                Terminal.out(JSONValue.object([
                    "id": .string(agency.id.rawValue), "name": .string(agency.name), "kind": .string(agency.kind.rawValue),
                    "county": agency.county.map { .string($0.rawValue) } ?? .null, "status": .string(agency.status.rawValue), "delivery": .string(delivery),
                    "receipts": .string(agency.receipts.rawValue),
                    "keys": .array(agency.keys.map { .object(["kid": .string($0.kid), "use": .string($0.use.rawValue),
                                                               "not_after": $0.notAfter.map { .string(RFC3339.string(from: $0)) } ?? .null]) }),
                ]).serializedString())
            } else {
                let keys = agency.keys.map { "\($0.kid) (\($0.use.rawValue)\($0.notAfter.map { _ in ", retired" } ?? ""))" }.joined(separator: ", ")
                Terminal.out("\(agency.id)  \(agency.name)  [\(agency.kind.rawValue)\(agency.county.map { ", \($0.rawValue)" } ?? "")]  "
                             + "\(delivery)\(agency.receipts == .perBatch ? "  receipts per batch" : "")\(agency.status == .suspended ? "  SUSPENDED" : "")  keys: \(keys)")
            }
        }
    }
}

/// `ura types`: the message types of the catalogue — form, titles in English and Albanian, who
/// may send to whom, the deadlines a message arms. Needs no profile.
enum TypesCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) throws {
        let args = try CommandLineArguments(raw, options: ["from"], flags: ["json"])
        var types = Discovery.types(try context.catalogue())
        if let from = args.option("from") {
            guard let kind = AgencyKind(rawValue: from) else {
                throw UsageError("--from: '\(from)' is not an agency kind (\(AgencyKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            types = types.filter { $0.from.contains(kind) }
        }
        for t in types {
            if args.flag("json") {
                Terminal.out(JSONValue.object([
                    "type": .string(t.type.rawValue), "form": t.form.map(JSONValue.string) ?? .null, "title": .string(t.title), "title_sq": .string(t.titleSq),
                    "from": .array(t.from.map { .string($0.rawValue) }), "to": .array(t.to.map { .string($0.rawValue) }),
                    "deadlines": .array(t.deadlines.map(JSONValue.string)),
                ]).serializedString())
            } else {
                Terminal.out("\(t.type)\(t.form.map { " (form \($0))" } ?? "")  \(t.title) / \(t.titleSq)\n"
                             + "    \(t.from.map(\.rawValue).joined(separator: ", ")) -> \(t.to.map(\.rawValue).joined(separator: ", "))"
                             + (t.deadlines.isEmpty ? "" : "\n    deadlines: " + t.deadlines.joined(separator: "; ")))
            }
        }
    }
}

/// `ura example TYPE`: a form of TYPE that validates against its schema, to copy and fill in.
enum ExampleCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) throws {
        let args = try CommandLineArguments(raw, options: [], flags: [])
        let type = try args.positional(0, "a message type (`ura types` lists them)")
        Terminal.out(try Discovery.example(type, catalogue: try context.catalogue(), schemas: context.schemasFolder).serializedString(options: .prettyPrinted))
    }
}
