import UraBasics
import UraClient
import UraJSON

/// `ura audit`: checks that the gateway's ledger only grew since this profile last looked
/// (`LedgerAudit` in UraClient); a rewritten ledger exits 2.
enum AuditCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: [], flags: ["json"])
        let connection = try context.connection()
        defer { connection.close() }
        let report = try await LedgerAudit.run(connection)
        Terminal.out(args.flag("json") ? JSONValue.object(report.fields).serializedString() : report.sentence)
    }
}
