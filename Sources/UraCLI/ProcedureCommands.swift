import Foundation
import UraBasics
import UraClient
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning

/// `ura declare`: records a confidentiality declaration (form A1) for a case before an interview.
/// The declarant's name is read from standard input (never from the command line, which shell
/// history and `ps` keep) and encrypted to the secretariat's keys; the gateway stores only the
/// role, the case, the date and the digest of the signed form.
enum DeclareCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context, input: () -> String? = { readLine(strippingNewline: true) },
                    now: Date = Date()) async throws {
        let args = try CommandLineArguments(raw, options: ["case", "role", "form", "on", "id"], flags: ["json"])
        let caseText = try args.requiredOption("case")
        let caseReference: CaseReference
        do { caseReference = try CaseReference(caseText) } catch { throw UsageError("--case: \(error)") }
        let roleText = try args.requiredOption("role")
        guard let role = DeclarantRole(rawValue: roleText) else {
            throw UsageError("--role: '\(roleText)' is not one of \(DeclarantRole.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let formPath = try args.requiredOption("form")
        let form = try readFile(formPath)
        guard !form.isEmpty else { throw ClientError("\(formPath) is empty; give the signed A1 form (its scan or its JSON)", .dataError) }
        let declaredOn = args.option("on") ?? LocalTime.dateString(from: now)  // the legal date is Tirana's, not UTC's
        guard RFC3339.day(from: declaredOn) != nil else { throw UsageError("--on: '\(declaredOn)' is not a date like 2026-11-23") }
        let id: String
        if let text = args.option("id") {
            do { id = try MessageID(text).rawValue } catch { throw UsageError("--id: \(error)") }
        } else {
            id = MessageID.random().rawValue
        }

        if isatty(STDIN_FILENO) == 1 { _ = DurableFile.writeAll(STDERR_FILENO, Array("Declarant's name (kept encrypted for the secretariat): ".utf8)) }
        let name = (input() ?? "").trimmingCharacters(in: .whitespaces)
        guard !name.isEmpty else {
            throw ClientError("give the declarant's name on standard input (for example from a file: ura declare … < name.txt)", .dataError)
        }

        let connection = try context.connection()
        defer { connection.close() }
        let recorded = try await CaseClient.declare(connection, id: id, caseReference: caseReference, role: role, declaredOn: declaredOn,
                                                    form: form, name: name)
        if args.flag("json") {
            Terminal.out(recorded.answer.serializedString())
        } else {
            Terminal.out("declaration \(id) recorded for case \(caseReference), role \(role.rawValue)\(recorded.alreadyOnFile ? " (already on file)" : "")")
        }
    }
}

/// `ura case CASE`: the secretariat follows a case — its messages, deliveries, deadlines and
/// declarations in time order. `--declarations` lists the declarations with the declarants'
/// names, decrypted here with the secretariat's key (the gateway cannot read them).
enum CaseCommand {
    static func run(_ raw: [String], _ context: UraCLI.Context) async throws {
        let args = try CommandLineArguments(raw, options: [], flags: ["json", "declarations"])
        let text = try args.positional(0, "the case reference (ura case AL-2026-000042)")
        let caseReference: CaseReference
        do { caseReference = try CaseReference(text) } catch { throw UsageError("'\(text)' is not a case reference: \(error)") }
        let connection = try context.connection()
        defer { connection.close() }
        if args.flag("declarations") {
            let list = try await CaseClient.declarations(connection, of: caseReference)
            if args.flag("json") {
                Terminal.out(JSONValue.object(["case": .string(caseReference.rawValue), "declarations": .array(list)]).serializedString())
                return
            }
            if list.isEmpty { Terminal.out("no confidentiality declaration is on file for case \(caseReference)") }
            for d in list {
                Terminal.out("\(d["declared_on"]?.stringValue ?? "?")  \(d["role"]?.stringValue ?? "?")  \(d["name"]?.stringValue ?? "?")  (\(d["agency"]?.stringValue ?? "?"), declaration \(d["id"]?.stringValue ?? "?"))")
            }
            return
        }
        let answer = try await CaseClient.timeline(connection, of: caseReference)
        if args.flag("json") {
            Terminal.out(answer.serializedString())
            return
        }
        let events = answer["events"]?.arrayValue ?? []
        if events.isEmpty { Terminal.out("the gateway knows nothing of case \(caseReference)") }
        for e in events { Terminal.out(line(e)) }
    }

    /// One event of the timeline as a line of text, times in Tirana with their offset. A deadline is
    /// named by what it expects and what armed it, so "met by" says which deadline was met.
    static func line(_ e: JSONValue) -> String {
        func s(_ key: String) -> String { e[key]?.stringValue ?? "?" }
        func local(_ key: String) -> String { e[key]?.stringValue.flatMap(RFC3339.date(from:)).map(LocalTime.string(from:)) ?? s(key) }
        let expected = (e["expected"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " or ")
        let deadline = "deadline \(expected) after \(s("trigger_type"))"
        let what: String = switch s("event") {
        case "message.accepted": "\(s("type")) \(s("id")) from \(s("from")) to \((e["to"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: ", "))"
        case "delivery.delivered": "delivered \(s("message")) to \(s("recipient"))"
        case "delivery.failed": "FAILED \(s("message")) to \(s("recipient")): \(s("reason"))"
        case "deadline.armed": "  \(deadline): due \(local("due")) (\(s("rule"))), \(s("state"))"
        case "deadline.repeated": "  \(s("repeat")) repeats the trigger: still the one \(deadline), due \(local("due"))"
        case "deadline.met": "  \(deadline) met by \(s("met_by"))\(e["late"]?.boolValue == true ? " LATE (was due \(local("due")))" : "")"
        case "deadline.cancelled": "  \(deadline) cancelled by \(s("cancelled_by"))"
        case "deadline.overdue": "  OVERDUE: \(deadline), was due \(local("due"))"
        case "declaration.recorded": "declaration (\(s("role"))) by \(s("agency")), signed \(s("declared_on"))"
        default: s("event")
        }
        return "\(local("at"))  \(what)"
    }
}
