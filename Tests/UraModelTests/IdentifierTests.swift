import Testing
import Foundation
@testable import UraModel
import UraTestTraits

@Suite(.offThePool) struct IdentifierTests {
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

    /// Version 7 (RFC 9562): the time in milliseconds first, so later ids sort later.
    @Test func freshIDsAreTimeOrderedVersion7() throws {
        let time = Date(timeIntervalSince1970: 1_795_000_000.123)
        let id = MessageID.random(at: time).rawValue
        #expect(MessageID.problem(with: id) == nil)
        let hex = id.replacingOccurrences(of: "-", with: "")
        #expect(UInt64(hex.prefix(12), radix: 16) == 1_795_000_000_123)
        #expect(Array(id.utf8)[14] == UInt8(ascii: "7"))
        #expect("89ab".utf8.contains(Array(id.utf8)[19]))
        let later = MessageID.random(at: time.addingTimeInterval(0.001)).rawValue
        #expect(id < later)
        #expect(MessageID.random(at: time) != MessageID.random(at: time))
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

/// The one-pass syntax checks of agency ids and message types (run on every message) must agree
/// with the checks that explain a rejection, on every string: both are run over a generated corpus
/// of short strings from the characters that matter.
@Suite(.offThePool) struct IdentifierSyntaxAgreementTests {
    static func corpus(_ alphabet: [Character], count: Int) -> [String] {
        var generator = SeededGenerator(seed: 7)
        var strings = ["", ".", "-", "a", "a.b", "a-.b", "a.-b", "a.b-", String(repeating: "a", count: 63) + ".b",
                       String(repeating: "a", count: 64) + ".b", "a." + String(repeating: "b", count: 126), "a." + String(repeating: "b", count: 127)]
        for _ in 0..<count {
            let length = Int.random(in: 0...12, using: &generator)
            strings.append(String((0..<length).map { _ in alphabet.randomElement(using: &generator)! }))
        }
        return strings
    }

    @Test func agencyIDs() {
        for text in Self.corpus(["a", "z", "0", "9", ".", "-", "A", "_", "é"], count: 20_000) {
            #expect(AgencyID.isWellFormed(text.utf8) == (AgencyID.explain(text) == nil), "\(text)")
        }
    }

    @Test func messageTypes() {
        for text in Self.corpus(["a", "z", "0", "9", ".", "-", "A", "_"], count: 20_000) + [String(repeating: "a", count: 97)] {
            #expect(MessageType.isWellFormed(text.utf8) == (MessageType.explain(text) == nil), "\(text)")
        }
    }
}

/// A small deterministic generator (SplitMix64) so the corpus is the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
