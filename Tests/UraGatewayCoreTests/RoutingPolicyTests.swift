import Foundation
import Testing
import UraGatewayTestSupport
@testable import UraCLI
@testable import UraClient
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

@Suite(.offThePool) struct RoutingPolicyTests {
    static let catalogueText = """
    {"version": "test", "types": [
      {"type": "return.assessment-request", "title": "t", "title_sq": "t", "schema": "s", "from": ["secretariat"],
       "to": ["social", "child", "health"], "urgency": "immediate",
       "routing": {"child_must_include": ["child"], "adult_must_include": ["social"]}, "sop": "assessment by child protection for a child"},
      {"type": "return.assessment-report", "title": "t", "title_sq": "t", "schema": "s", "from": ["social", "child"], "to": ["secretariat"],
       "urgency": "routine", "routing": {"must_include": ["secretariat"]},
       "in_reply_to": {"types": ["return.assessment-request"], "required": true}},
      {"type": "identification.formal-interview.child", "form": "B1", "title": "t", "title_sq": "t", "schema": "s",
       "from": ["police", "child", "social"], "to": ["secretariat"], "urgency": "same-day", "rules": ["declarations-required"]}
    ]}
    """

    let policy: RoutingPolicy
    init() throws {
        policy = RoutingPolicy(catalogue: try JSONDecoder().decode(Catalogue.self, from: Data(Self.catalogueText.utf8)))
    }

    static let secretariat = Agency(id: AgencyID(validated: "al.mpb.secretariat"), kind: .secretariat, name: "Secretariat")
    static let social = Agency(id: AgencyID(validated: "al.shssh.tirane"), kind: .social, name: "SHSSH Tirana")
    static let child = Agency(id: AgencyID(validated: "al.ashdmf.tirane"), kind: .child, name: "NJMF Tirana")
    static let police = Agency(id: AgencyID(validated: "al.police.dvp-tirane"), kind: .police, name: "DVP Tirana")
    static let committee = Agency(id: AgencyID(validated: "al.krat.tirane"), kind: .committee, name: "KRAT Tirana")
    let caseA = CaseReference(validated: "AL-2026-000042")

    func m(_ type: String, from: Agency, to: [Agency], subject: SubjectCategory = .child, inReplyTo: MessageID? = nil,
           participants: [DeclarantRole]? = nil, caseReference: CaseReference? = nil) -> MessageMetadata {
        MessageMetadata(id: .random(), type: MessageType(validated: type), from: from.id, to: to.map(\.id),
                        caseReference: caseReference ?? caseA, subject: subject, priority: .normal, created: .now,
                        expires: .now.addingTimeInterval(3600), inReplyTo: inReplyTo, participants: participants, county: nil)
    }

    func rejection(_ metadata: MessageMetadata, from: Agency, to: [Agency], facts: RoutingPolicy.Facts = .init()) -> GatewayError? {
        do { try policy.check(metadata, sender: from, recipients: to, facts: facts); return nil } catch { return error }
    }

    @Test func unknownTypesAreRejected() {
        let p = rejection(m("no.such.type", from: Self.police, to: [Self.secretariat]), from: Self.police, to: [Self.secretariat])
        #expect(p?.type == .unknownMessageType)
    }

    @Test func theSendersKindMustBeAllowed() {
        let p = rejection(m("return.assessment-request", from: Self.police, to: [Self.child]), from: Self.police, to: [Self.child])
        #expect(p?.type == .routeNotAllowed)
        #expect(p?.detail == "al.police.dvp-tirane is a police mailbox and may not send return.assessment-request; the catalogue lets secretariat send it")
    }

    @Test func everyRecipientsKindMustBeAllowed() {
        let to = [Self.child, Self.committee]
        let p = rejection(m("return.assessment-request", from: Self.secretariat, to: to), from: Self.secretariat, to: to)
        #expect(p?.type == .routeNotAllowed && p?.detail.contains("al.krat.tirane, a committee mailbox") == true)
    }

    @Test func aChildsCaseMustReachChildProtection() {
        for subject in [SubjectCategory.child, .unknown] {
            let p = rejection(m("return.assessment-request", from: Self.secretariat, to: [Self.social], subject: subject),
                              from: Self.secretariat, to: [Self.social])
            #expect(p?.type == .routingRuleViolated)
            #expect(p?.detail.contains("must also be addressed to child; the SOP routes a child's case to child protection") == true)
            #expect(p?.extensions["missing_kinds"] == ["child"])
        }
        #expect(rejection(m("return.assessment-request", from: Self.secretariat, to: [Self.child]), from: Self.secretariat, to: [Self.child]) == nil)
    }

    @Test func anAdultsCaseMustReachSocialServices() {
        let p = rejection(m("return.assessment-request", from: Self.secretariat, to: [Self.child], subject: .adult), from: Self.secretariat, to: [Self.child])
        #expect(p?.type == .routingRuleViolated && p?.extensions["missing_kinds"] == ["social"])
    }

    @Test func whatGoesThroughTheResponsibleAuthorityMustIncludeTheSecretariat() throws {
        // The report's only allowed recipient kind is the secretariat, so test the rule on its own catalogue.
        let text = Self.catalogueText.replacingOccurrences(of: #""to": ["secretariat"],"#, with: #""to": ["secretariat", "foreign"],"#)
        let local = RoutingPolicy(catalogue: try JSONDecoder().decode(Catalogue.self, from: Data(text.utf8)))
        let mepj = Agency(id: AgencyID(validated: "al.mepj"), kind: .foreign, name: "MEPJ")
        let request = m("return.assessment-request", from: Self.secretariat, to: [Self.child])
        let report = m("return.assessment-report", from: Self.child, to: [mepj], inReplyTo: request.id)
        #expect {
            try local.check(report, sender: Self.child, recipients: [mepj], facts: .init(replyTarget: request))
        } throws: { ($0 as? GatewayError)?.detail.contains("goes through the Responsible Authority, whose secretariat must be a recipient") == true }
    }

    @Test func aReportMustAnswerARequestOfTheSameCaseItReceived() {
        let request = m("return.assessment-request", from: Self.secretariat, to: [Self.child])
        let to = [Self.secretariat]
        #expect(rejection(m("return.assessment-report", from: Self.child, to: to), from: Self.child, to: to)?.detail
                .contains("set in_reply_to to the id of that message") == true)
        let good = m("return.assessment-report", from: Self.child, to: to, inReplyTo: request.id)
        #expect(rejection(good, from: Self.child, to: to, facts: .init(replyTarget: request)) == nil)

        let otherCase = m("return.assessment-request", from: Self.secretariat, to: [Self.child], caseReference: CaseReference(validated: "AL-2026-000043"))
        let wrongCase = m("return.assessment-report", from: Self.child, to: to, inReplyTo: otherCase.id)
        #expect(rejection(wrongCase, from: Self.child, to: to, facts: .init(replyTarget: otherCase))?.detail.contains("of case AL-2026-000043") == true)

        let notItsOwn = m("return.assessment-request", from: Self.secretariat, to: [Self.social])
        let probing = m("return.assessment-report", from: Self.child, to: to, inReplyTo: notItsOwn.id)
        #expect(rejection(probing, from: Self.child, to: to, facts: .init(replyTarget: notItsOwn))?.detail.contains("not a message al.ashdmf.tirane sent or received") == true)

        let wrongType = m("return.assessment-report", from: Self.social, to: to, inReplyTo: request.id)
        let reportAsTarget = m("return.assessment-report", from: Self.secretariat, to: [Self.child])
        #expect(rejection(m("return.assessment-report", from: Self.child, to: to, inReplyTo: reportAsTarget.id), from: Self.child, to: to,
                          facts: .init(replyTarget: reportAsTarget))?.detail.contains("but \(reportAsTarget.id) is a return.assessment-report") == true)
        #expect(rejection(wrongType, from: Self.social, to: to, facts: .init(replyTarget: nil))?.type == .replyMismatch)
    }

    @Test func anInterviewRecordNeedsADeclarationForEveryRolePresent() {
        let to = [Self.secretariat]
        let none = m("identification.formal-interview.child", from: Self.police, to: to)
        #expect(rejection(none, from: Self.police, to: to)?.detail.contains("list the roles of everyone present") == true)

        let roles: [DeclarantRole] = [.interviewer, .interpreter, .psychologist]
        let record = m("identification.formal-interview.child", from: Self.police, to: to, participants: roles)
        let missing = rejection(record, from: Self.police, to: to, facts: .init(declaredRoles: [.interviewer]))
        #expect(missing?.type == .declarationsMissing)
        #expect(missing?.extensions["missing_roles"] == ["interpreter", "psychologist"])
        #expect(missing?.detail.contains("for: interpreter, psychologist") == true)
        #expect(rejection(record, from: Self.police, to: to, facts: .init(declaredRoles: Set(roles))) == nil)
    }
}
