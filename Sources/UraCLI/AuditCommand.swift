import UraBasics
import UraClient
import UraJSON

/// `ura audit`: checks that the gateway's ledger only grew since this profile last looked
/// (`LedgerAudit` in UraClient); with `--entries`, recomputes the leaf hashes of a range of entries
/// against the signed head. A rewritten ledger or a changed entry exits 2.
enum AuditCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: ["from", "count"], flags: ["json", "entries"])
        let connection = try context.connection()
        defer { connection.close() }
        let report: LedgerAudit.Report
        if args.flag("entries") {
            report = try await LedgerAudit.entries(connection, from: try args.intOption("from", default: 0), count: try args.intOption("count", default: 100))
        } else {
            guard args.option("from") == nil, args.option("count") == nil else {
                throw ClientError("--from and --count go with --entries", .usage)
            }
            report = try await LedgerAudit.run(connection)
        }
        Terminal.out(args.flag("json") ? JSONValue.object(report.fields).serializedString() : report.sentence)
    }
}
