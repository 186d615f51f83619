import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
import UraCrypto
@testable import UraDaemon
@testable import UraGatewayAPI
@testable import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestTraits

/// The procedures over real TLS with the real urad and ura: confidentiality declarations before an
/// interview record, the secretariat's case timeline, and statistics for a regional committee.
@Suite(.offThePool, .serialized) struct ProceduresEndToEndTests {
    let police = "al.police.dvp-tirane", secretariat = "al.mpb.secretariat", committee = "al.krat.tirane"

    @Test(.timeLimit(.minutes(3))) func declarationsBeforeAnInterviewAndTheSecretariatFollowsTheCase() async throws {
        let s = try await Scenario.start()
        let caseReference = "AL-2026-000101"
        let marker = "MARKER-\(UUID().uuidString)"
        let formA1 = s.root.appendingPathComponent("a1-scan.pdf")
        try Data("%PDF-1.4 signed A1 form".utf8).write(to: formA1)
        let interviewFile = s.root.appendingPathComponent("b1.json")
        try Data(try s.example("identification.formal-interview.child", caseReference: caseReference).serialized()).write(to: interviewFile)
        let send = ["send", interviewFile.path, "--type", "identification.formal-interview.child", "--to", secretariat,
                    "--case", caseReference, "--subject", "child", "--participants", "interviewer,interpreter"]

        let declared = try s.ura(police, ["declare", "--case", caseReference, "--role", "interviewer", "--form", formA1.path],
                                 input: Array("\(marker) Interviewer\n".utf8))
        #expect(declared.status == 0, "\(declared.stderr)")
        #expect(declared.stdout.contains("recorded for case \(caseReference), role interviewer"))

        // The interpreter has not signed yet: the interview record is refused, naming the role.
        let refused = try s.ura(police, send)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("interpreter") && !refused.stderr.contains("interviewer,"), "\(refused.stderr)")

        let second = try s.ura(police, ["declare", "--case", caseReference, "--role", "interpreter", "--form", formA1.path, "--json"],
                               input: Array("\(marker) Interpreter\n".utf8))
        #expect(second.status == 0, "\(second.stderr)")
        #expect(try JSONValue(parsing: second.stdout)["role"] == "interpreter")
        let accepted = try s.ura(police, send)
        #expect(accepted.status == 0, "\(accepted.stderr)")

        // Bad input to `ura declare`: no name, an unknown role, a missing form.
        #expect(try s.ura(police, ["declare", "--case", caseReference, "--role", "interviewer", "--form", formA1.path], input: []).status == 65)
        let badRole = try s.ura(police, ["declare", "--case", caseReference, "--role", "judge", "--form", formA1.path], input: Array("x\n".utf8))
        #expect(badRole.status == 64 && badRole.stderr.contains("is not one of interviewer"))
        #expect(try s.ura(police, ["declare", "--case", caseReference, "--role", "interviewer", "--form", "/nonexistent"],
                          input: Array("x\n".utf8)).status == 66)

        // The secretariat follows the case: messages, declarations, deliveries, deadlines; no names.
        let timeline = try s.ura(secretariat, ["case", caseReference])
        #expect(timeline.status == 0, "\(timeline.stderr)")
        #expect(timeline.stdout.contains("identification.formal-interview.child"))
        #expect(timeline.stdout.contains("declaration (interviewer) by \(police)") && timeline.stdout.contains("declaration (interpreter)"))
        #expect(timeline.stdout.contains("deadline identification.status-decision or identification.dispute after identification.formal-interview.child: due "))
        #expect(!timeline.stdout.contains(marker))
        let json = try s.curl(secretariat, "GET", "/v1/cases/\(caseReference)/timeline")
        #expect(json.status == 200 && json.body?["events"]?.arrayValue?.count ?? 0 >= 4)

        // Only the secretariat decrypts the declarants' names.
        let names = try s.ura(secretariat, ["case", caseReference, "--declarations"])
        #expect(names.status == 0 && names.stdout.contains("\(marker) Interviewer") && names.stdout.contains("\(marker) Interpreter"), "\(names)")
        let raw = try s.curl(secretariat, "GET", "/v1/cases/\(caseReference)/declarations")
        #expect(raw.status == 200 && raw.body?["declarations"]?.arrayValue?.count == 2)
        #expect(raw.body.map { !$0.serializedString().contains(marker) } == true)
        let byPolice = try s.ura(police, ["case", caseReference])
        #expect(byPolice.status == 77 && byPolice.stderr.contains("only the secretariat"))
        #expect(try s.curl(police, "GET", "/v1/cases/\(caseReference)/declarations").status == 403)

        s.daemon.stop()
        #expect(try s.dataDirectoryContains(marker) == [])
        await s.close()
    }

    @Test(.timeLimit(.minutes(3))) func aCommitteeReadsStatisticsWithoutIdentitiesAndNothingElse() async throws {
        let s = try await Scenario.start()
        let marker = "MARKER-\(UUID().uuidString)"
        // Six referrals of adults in six cases (a cell large enough to show) and two of children (suppressed).
        for i in 1...8 {
            let child = i > 6
            let caseReference = String(format: "AL-2026-%06d", 200 + i)
            var form = try s.example("referral.shelter", caseReference: caseReference, marker: marker)
            if case .object(var object) = form { object["case"] = .string(caseReference); form = .object(object) }
            let bytes = try s.seal(as: police, type: "referral.shelter", to: child ? ["al.shelter.qkpvt", "al.ashdmf.tirane"] : ["al.shelter.qkpvt"],
                                   caseReference: caseReference, subject: child ? .child : .adult, form: form)
            #expect(try s.curl(police, "POST", "/v1/messages", body: bytes).status == 202)
        }

        let stats = try s.curl(committee, "GET", "/v1/stats")
        #expect(stats.status == 200)
        let text = try #require(stats.body).serializedString()
        let cells = stats.body?["cells"]?.arrayValue ?? []
        // The children's cell is small; Tirana's total (8) is published, so the adults' cell (6) is suppressed
        // too — else 8 − 6 would give the children's. The committee sees the totals and how many were hidden.
        let adults = try #require(cells.first { $0["type"] == "referral.shelter" && $0["subject"] == "adult" })
        #expect(adults["suppressed"] == true && adults["messages"] == nil && adults["county"] == "tirane")
        let children = try #require(cells.first { $0["type"] == "referral.shelter" && $0["subject"] == "child" })
        #expect(children["suppressed"] == true && children["messages"] == nil)
        #expect(stats.body?["total"]?["messages"] == 8 && stats.body?["suppression_threshold"] == 5)
        #expect(stats.body?["totals"]?["county"]?.arrayValue?.first?["messages"] == 8)
        #expect(stats.body?["suppressed"]?["small"] == 2 && stats.body?["suppressed"]?["complementary"] == 2)
        // No case reference, no personal field's name or value, no marker, no agency.
        #expect(!text.contains("AL-2026") && !text.contains(marker) && !text.contains(police))
        for field in try personalFieldNames(s.schemas) { #expect(!text.contains("\"\(field)\""), "personal field \(field) in /v1/stats") }

        // A committee's certificate reads /v1/stats and nothing else; other agencies do not read statistics.
        for path in ["/v1/inbox", "/v1/receipts", "/v1/directory", "/v1/cases/AL-2026-000201/timeline", "/v1/ledger/checkpoint"] {
            let reply = try s.curl(committee, "GET", path)
            #expect(reply.status == 403 && reply.body?["type"] == "https://ura.example/problems/forbidden", "\(path)")
        }
        #expect(try s.curl(police, "GET", "/v1/stats").status == 403)
        #expect(try s.curl(secretariat, "GET", "/v1/stats").status == 200)
        let badDate = try s.curl(committee, "GET", "/v1/stats?from=November")
        #expect(badDate.status == 400 && badDate.body?["detail"]?.stringValue?.contains("from must be a date") == true)
        #expect(try s.curl(committee, "GET", "/v1/stats?from=2026-12-01&to=2026-11-01").status == 400)
        await s.close()
    }

    /// Every property name marked `x-personal` in the message schemas.
    func personalFieldNames(_ schemas: URL) throws -> Set<String> {
        var names: Set<String> = []
        func walk(_ value: JSONValue) {
            guard case .object(let object) = value else {
                value.arrayValue?.forEach(walk)
                return
            }
            if case .object(let properties)? = object["properties"] {
                for (name, schema) in properties where schema["x-personal"] == true { names.insert(name) }
            }
            for (_, child) in object { walk(child) }
        }
        let folder = schemas.appendingPathComponent("messages")
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path) where file.hasSuffix(".json") {
            walk(try JSONValue(parsing: Array(try Data(contentsOf: folder.appendingPathComponent(file)))))
        }
        return names
    }
}
