import Testing
import UraModel

@Suite struct IdentifierTests {
    @Test(arguments: ["al.police.dvp-tirane", "al.mepj.mission.gr-athens", "al.mpb.secretariat", "xk.mpb", "al.shelter.k1"])
    func acceptsAgencyIDs(_ text: String) throws {
        #expect(try AgencyID(text).rawValue == text)
    }

    @Test(arguments: [
        ("", "it is empty"),
        ("police", "at least two"),
        ("Al.Police", "lowercase"),
        ("al..police", "empty label"),
        ("al.police.", "empty label"),
        ("al.-police", "starts or ends with '-'"),
        ("al.police_x", "only a-z"),
        ("al.pólice", "only a-z"),
    ])
    func rejectsAgencyIDsSayingWhy(_ text: String, _ reason: String) {
        #expect { try AgencyID(text) } throws: { "\($0)".contains(reason) && "\($0)".contains("agency id") }
    }

    @Test func messageIDsAreLowercaseUUIDs() throws {
        #expect(throws: Never.self) { try MessageID("0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c") }
        #expect { try MessageID("0193B3C4-7D2E-4F6A-9B1C-2D3E4F5A6B7C") } throws: { "\($0)".contains("lowercase") }
        #expect { try MessageID("not-a-uuid") } throws: { "\($0)".contains("36 characters") }
        let random = MessageID.random()
        #expect(MessageID.problem(with: random.rawValue) == nil)
        #expect(random != MessageID.random())
    }

    @Test func caseReferencesArePseudonymous() throws {
        #expect(try CaseReference("AL-2026-000042").country == "AL")
        for bad in ["al-2026-000042", "AL-26-000042", "AL-2026-42", "Arta Hoxha"] {
            #expect(throws: ModelError.self) { try CaseReference(bad) }
        }
    }

    @Test func messageTypes() throws {
        #expect(throws: Never.self) { try MessageType("identification.initial-interview.child") }
        #expect(throws: ModelError.self) { try MessageType("Identification") }
        #expect(throws: ModelError.self) { try MessageType("a..b") }
    }

    @Test func unknownAgeIsTreatedAsChild() {
        #expect(SubjectCategory.unknown.treatedAsChild)
        #expect(SubjectCategory.child.treatedAsChild)
        #expect(!SubjectCategory.adult.treatedAsChild)
    }

    @Test func deadlineRulesParseAndPrint() throws {
        let cases: [(String, DeadlineRule)] = [("same-day", .sameDay), ("24h", .hours(24)), ("15d", .days(15)),
                                               ("5wd", .workingDays(5)), ("30wd", .workingDays(30)), ("monthly", .monthly)]
        for (text, rule) in cases {
            #expect(try DeadlineRule(text) == rule)
            #expect(rule.description == text)
        }
        for bad in ["", "0d", "7", "week", "-3d", "3dd"] {
            #expect(throws: ModelError.self) { try DeadlineRule(bad) }
        }
    }

    @Test func prioritiesOrder() {
        #expect(Priority.normal < .urgent && Priority.urgent < .immediate)
    }
}
