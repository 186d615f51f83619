import Foundation
import Testing
@testable import UraCLI
import UraJSON
import UraModel
import UraTestTraits

/// `ura case` as the secretariat reads it: times in Tirana with the offset, a deadline named by
/// what it expects and what armed it, so "met by" says which deadline was met.
@Suite(.offThePool) struct CaseCommandTests {
    @Test func timesAreInTiranaAndAMetDeadlineIsNamed() throws {
        let armed = try JSONValue(parsing: """
            {"at": "2026-11-24T09:00:00Z", "event": "deadline.armed", "expected": ["protection.child-protection-plan"],
             "trigger_type": "protection.emergency-measure", "due": "2026-11-27T09:00:00Z", "rule": "72h", "state": "open"}
            """)
        #expect(CaseCommand.line(armed) == "2026-11-24 10:00 +01:00    deadline protection.child-protection-plan after protection.emergency-measure: due 2026-11-27 10:00 +01:00 (72h), open")
        let met = try JSONValue(parsing: """
            {"at": "2026-11-28T09:00:00Z", "event": "deadline.met", "expected": ["protection.child-protection-plan"],
             "trigger_type": "protection.emergency-measure", "due": "2026-11-27T09:00:00Z", "met_by": "0193-plan", "late": true}
            """)
        #expect(CaseCommand.line(met) == "2026-11-28 10:00 +01:00    deadline protection.child-protection-plan after protection.emergency-measure met by 0193-plan LATE (was due 2026-11-27 10:00 +01:00)")
    }
}
