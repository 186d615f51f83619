import Foundation
import Testing
import UraClient
@testable import UraDesk
import UraGatewayTestSupport
import UraJSON
import UraModel
import UraSchema
import UraTestTraits

/// The desk refuses what is not its own person's request — a foreign Host (DNS rebinding) or
/// Origin, no session, a reused login link, a missing or wrong CSRF token, an invalid form — with
/// a clear page, and nothing is sealed or sent.
@Suite(.offThePool) struct DeskAccessTests {
    let mission = "al.mepj.mission.gr-athens", secretariat = "al.mpb.secretariat"
    static let catalogue = try! MessageCatalogue(directory: MessageCatalogue.defaultDirectory())

    /// The mission's desk on a demo whose gateway cannot be reached (its directory cached, as after a first fetch).
    func missionDesk(_ demo: OfflineDemo) throws -> DeskDriver {
        let folder = demo.agencyFolder(mission).appendingPathComponent("state/cache")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data(try demo.signed(try demo.directory())).write(to: folder.appendingPathComponent("directory.jws"))
        let profile = try AgencyProfile.load(demo.agencyFolder(mission).appendingPathComponent("profile.json"))
        return DeskDriver(try Desk(profile: profile, catalogue: Self.catalogue))
    }

    func nothingSent(_ demo: OfflineDemo) {
        #expect(demo.kept(mission).isEmpty, "a message was kept in the outbox")
        let sent = demo.agencyFolder(mission).appendingPathComponent("state/desk/sent")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: sent.path)) ?? []).isEmpty)
    }

    @Test func theLoginLinkWorksOnceAndSetsAStrictHttpOnlyCookie() async throws {
        let demo = try OfflineDemo()
        let d = try missionDesk(demo)
        let token = try #require(d.desk.access.token)
        #expect(await d.request("GET", "/?token=wrong").status == 403)
        let first = await d.request("GET", "/?token=\(token)")
        #expect(first.status == 303)
        #expect(first.headers["Location"] == "/", "the token leaves the address bar")
        let cookie = try #require(first.headers["Set-Cookie"])
        #expect(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"))
        let again = await d.request("GET", "/?token=\(token)")
        #expect(again.status == 403)
        #expect(again.text.contains("each link works once"))
        #expect(d.desk.access.token == nil)
        // The session works; the page forbids anything from outside.
        let home = await d.request("GET", "/", cookie: String(cookie.split(separator: ";")[0]))
        #expect(home.status == 200)
        #expect(home.headers["Content-Security-Policy"]?.contains("default-src 'self'") == true)
        #expect(!home.text.contains("http://") && !home.text.contains("https://") && !home.text.contains("<script"))
    }

    @Test func requestsThatAreNotTheSessionsOwnAreRefusedAndNothingIsSent() async throws {
        let demo = try OfflineDemo()
        let d = try missionDesk(demo)
        try await d.login()
        let csrf = try #require(d.csrf)
        let form = try demo.example("return.found-abroad", caseReference: "AL-2026-000061")
        let good = try d.compose("return.found-abroad", form: form, to: [secretariat], caseReference: "AL-2026-000061")

        // Another local user, or a page elsewhere, without the session.
        var r = await d.request("GET", "/compose", cookie: "ura_desk_4242=guessed")
        #expect(r.status == 403 && r.text.contains("There is no session"))
        r = await d.request("POST", "/compose/return.found-abroad", body: good, cookie: "")
        #expect(r.status == 403)
        // DNS rebinding: a site's name resolving to 127.0.0.1 arrives with its own Host.
        r = await d.request("GET", "/", host: "evil.example:4242")
        #expect(r.status == 403 && r.text.contains("answers only at http://127.0.0.1:4242"))
        r = await d.request("POST", "/compose/return.found-abroad", body: good, host: "127.0.0.1:4243")
        #expect(r.status == 403)
        // A form posted from another site.
        r = await d.request("POST", "/compose/return.found-abroad", body: good, origin: "http://evil.example")
        #expect(r.status == 403 && r.text.contains("another site"))
        // Missing and wrong CSRF token.
        var missing = PostedForm(good.pairs.filter { $0.name != "csrf" })
        r = await d.request("POST", "/compose/return.found-abroad", body: missing)
        #expect(r.status == 403 && r.text.contains("CSRF"))
        r = await d.request("POST", "/compose/return.found-abroad", body: try d.compose("return.found-abroad", form: form, to: [secretariat], caseReference: "AL-2026-000061", csrf: csrf + "x"))
        #expect(r.status == 403)
        // Not a form of this desk (JSON posted by a script).
        r = await d.request("POST", "/compose/return.found-abroad", body: good, contentType: "application/json")
        #expect(r.status == 403)
        // Sign out: the cookie no longer works.
        missing = PostedForm([("csrf", csrf)])
        nothingSent(demo)
        r = await d.request("POST", "/logout", body: missing)
        #expect(r.status == 200)
        r = await d.request("GET", "/outbox")
        #expect(r.status == 403)
    }

    @Test func anInvalidFormIsShownAgainWithItsErrorsAndNothingIsSent() async throws {
        let demo = try OfflineDemo()
        let d = try missionDesk(demo)
        try await d.login()
        var form = try demo.example("return.found-abroad", caseReference: "AL-2026-000061")
        guard case .object(var object) = form else { return }
        object["found_on"] = .string("31.12.2026")
        object["risk_level"] = nil
        form = .object(object)
        let r = await d.request("POST", "/compose/return.found-abroad", body: try d.compose("return.found-abroad", form: form, to: [secretariat], caseReference: "AL-2026-000061"))
        #expect(r.status == 422)
        #expect(r.text.contains("id=\"ef/found_on\""), "the date's error is at the date")
        #expect(r.text.contains("id=\"ef/risk_level\"") && r.text.contains("Kjo fushë duhet plotësuar."))
        #expect(r.text.contains("value=\"31.12.2026\""), "what was typed is shown again")
        nothingSent(demo)
        // A recipient the routing does not allow, a case that is not one, and no subject.
        var posted = try d.compose("return.found-abroad", form: try demo.example("return.found-abroad", caseReference: "AL-2026-000061"),
                                   to: ["al.police.dvp-tirane"], caseReference: "AL-2026-61")
        posted = PostedForm(posted.pairs.filter { $0.name != "subject" })
        let refused = await d.request("POST", "/compose/return.found-abroad", body: posted)
        #expect(refused.status == 422)
        #expect(refused.text.contains("id=\"e-to\"") && refused.text.contains("id=\"e-case\"") && refused.text.contains("id=\"e-subject\""))
        nothingSent(demo)
        // A form this agency may not send.
        let forbidden = await d.request("GET", "/compose/identification.status-decision")
        #expect(forbidden.status == 403)
    }

    @Test func aValidFormIsSealedIntoTheOutboxAndWaitsWhileTheGatewayIsDown() async throws {
        let demo = try OfflineDemo()
        let d = try missionDesk(demo)
        try await d.login()
        let compose = await d.request("GET", "/compose/return.found-abroad")
        #expect(compose.status == 200)
        #expect(compose.text.contains("Njoftim për gjetjen") && compose.text.contains("Albanian victim found abroad"), "the bilingual title")
        #expect(compose.text.contains("value=\"\(secretariat)\" checked"), "the secretariat, which the routing requires, is ticked")
        let form = try demo.example("return.found-abroad", caseReference: "AL-2026-000061")
        let r = await d.request("POST", "/compose/return.found-abroad", body: try d.compose("return.found-abroad", form: form, to: [secretariat], caseReference: "AL-2026-000061"))
        #expect(r.status == 303, "\(r.text)")
        #expect(r.headers["Location"]?.hasPrefix("/outbox?sent=") == true)
        #expect(demo.kept(mission).count == 1)
        let outbox = await d.request("GET", "/outbox")
        #expect(outbox.text.contains("retrying") && outbox.text.contains("Next try") && outbox.text.contains("cannot be reached"), "\(outbox.text)")
        // The kept copy and draft files are the agency's alone.
        let sent = demo.agencyFolder(mission).appendingPathComponent("state/desk/sent")
        for name in try FileManager.default.contentsOfDirectory(atPath: sent.path) {
            let mode = try FileManager.default.attributesOfItem(atPath: sent.appendingPathComponent(name).path)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }

    /// Each sent message's state on the outbox page, from what is kept locally: accepted (no
    /// receipt yet), delivered to some or all, failed (the gateway's failed receipt, with its
    /// reason), refused (moved to rejected/).
    @Test func theOutboxShowsAcceptedDeliveredFailedAndRefused() async throws {
        let demo = try OfflineDemo()
        let d = try missionDesk(demo)
        try await d.login()
        let desk = demo.agencyFolder(mission).appendingPathComponent("state/desk")
        let ids = (0..<4).map { _ in MessageID.random().rawValue }
        for (i, id) in ids.enumerated() {
            let record: JSONValue = .object(["id": .string(id), "type": "return.found-abroad", "to": .array([.string(secretariat), "al.mepj"]),
                                             "case": .string("AL-2026-00006\(i)"), "created": "2026-11-18T15:00:00Z", "form": .object([:])])
            try Data(record.serialized()).write(to: desk.appendingPathComponent("sent/\(id).json"))
        }
        let receipts: JSONValue = .object(["cursor": 9, "messages": .object(JSONObject([
            (ids[1], .array([.object(["kind": "delivered", "recipient": .string(secretariat), "at": "2026-11-18T15:01:00Z"])])),
            (ids[2], .array([.object(["kind": "failed", "recipient": "al.mepj", "at": "2026-11-20T15:01:00Z", "reason": "no acknowledgement within 48 h"])])),
        ]))])
        try Data(receipts.serialized()).write(to: desk.appendingPathComponent("receipts.json"))
        let rejected = demo.agencyFolder(mission).appendingPathComponent("state/rejected")
        try FileManager.default.createDirectory(at: rejected, withIntermediateDirectories: true)
        try Data("x".utf8).write(to: rejected.appendingPathComponent("\(ids[3]).jws"))
        let page = await d.request("GET", "/outbox")
        #expect(page.text.contains("accepted"))
        #expect(page.text.contains("delivered to 1 of 2"))
        #expect(page.text.contains("failed") && page.text.contains("no acknowledgement within 48 h"))
        #expect(page.text.contains("refused by the gateway"))
        let one = await d.request("GET", "/sent/\(ids[1])")
        #expect(one.status == 200 && one.text.contains("Dorëzuar"))
        #expect(await d.request("GET", "/sent/\(MessageID.random().rawValue)").status == 404)
        #expect(await d.request("GET", "/inbox/../../etc/passwd").status == 404)
    }

    @Test func aDraftIsKeptUntilSentAndRowsAreAddedWithoutScript() async throws {
        let demo = try OfflineDemo()
        let d = try missionDesk(demo)
        try await d.login()
        var posted = try d.compose("return.found-abroad", form: .object(["circumstances": .string("Found at the port")]), to: [secretariat],
                                   caseReference: "AL-2026-000062", action: "add:/family_in_albania")
        var r = await d.request("POST", "/compose/return.found-abroad", body: posted)
        #expect(r.status == 200)
        #expect(r.text.contains("for=\"f/family_in_albania/0/relation\"") && r.text.contains("Found at the port"))
        posted = PostedForm(posted.pairs.filter { $0.name != "action" } + [("action", "save")])
        r = await d.request("POST", "/compose/return.found-abroad", body: posted)
        #expect(r.text.contains("The draft is kept"))
        let drafts = demo.agencyFolder(mission).appendingPathComponent("state/desk/drafts")
        let names = try FileManager.default.contentsOfDirectory(atPath: drafts.path)
        #expect(names.count == 1)
        let mode = try FileManager.default.attributesOfItem(atPath: drafts.appendingPathComponent(names[0]).path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let list = await d.request("GET", "/compose")
        #expect(list.text.contains("?draft="))
        nothingSent(demo)
    }
}
