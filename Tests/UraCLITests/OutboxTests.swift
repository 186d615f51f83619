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
import UraCrypto
import UraJSON
import UraModel
import UraSchema
import UraProtocol
@testable import UraProvisioning
import UraStoreSQLite
import UraTestTraits

/// What `ura send` and `ura outbox` do with a refusal: one that can pass (a busy gateway, a slow
/// link, a suspension, a certificate being re-enrolled) keeps the message in the outbox for the
/// next `ura outbox`; one about the message itself moves it to `rejected/`.
@Suite(.offThePool, .serialized) struct OutboxTests {
    let mission = "al.mepj.mission.gr-athens"

    @Test func whetherSendingAgainCanHelpFollowsTheProblemTypeThenTheStatus() {
        for problem in [ProblemType.agencySuspended, .clientCertificateRequired, .clientCertificateUnknown, .unavailable, .internalError] {
            #expect(Outbox.retryCanHelp(status: problem.status, problem: problem), "\(problem)")
        }
        for problem in [ProblemType.senderMismatch, .routeNotAllowed, .declarationsMissing, .idConflict, .payloadTooLarge, .malformedJWS] {
            #expect(!Outbox.retryCanHelp(status: problem.status, problem: problem), "\(problem)")
        }
        for status in [401, 403, 408, 429, 500, 502, 503, 504] { #expect(Outbox.retryCanHelp(status: status, problem: nil), "\(status)") }
        for status in [400, 409, 411, 413, 422] { #expect(!Outbox.retryCanHelp(status: status, problem: nil), "\(status)") }
    }

    /// What the outbox keeps is the message as it is submitted, valid against its file schema.
    @Test func anOutboxItemMatchesItsSchemaAndIsKeptForItsOwnerOnly() throws {
        let demo = try OfflineDemo()
        let profile = try AgencyProfile.load(demo.agencyFolder(mission).appendingPathComponent("profile.json"))
        let id = MessageID.random()
        let sealed = try JWS.sign(payload: Array(#"{"id":"x"}"#.utf8), header: ["typ": "ura-message+json"], with: try SigningKey.generate()).serialized()
        let file = try Outbox.keep(sealed, id: id, in: profile)
        #expect(file.lastPathComponent == "\(id).jws")
        #expect(try Outbox.waiting(in: profile).contains(file))
        var registry = SchemaRegistry()
        _ = try registry.addDirectory(demo.schemas)
        let validator = try registry.compile(MessageCatalogue.base + "files/outbox-item.schema.json")
        #expect(validator.validate(try JSONValue(parsing: Array(try Data(contentsOf: file)))).isEmpty)
        #expect(!validator.isValid(["protected": "e30", "payload": "e30"]), "a JWS without its signature is no outbox item")
        let mode = try #require(try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int)
        #expect(mode & 0o077 == 0)
    }

    @Test(.timeLimit(.minutes(3))) func aRefusalThatCanPassKeepsTheMessageAndOneThatCannotMovesItToRejected() async throws {
        let s = try await Scenario.start()
        let standIn = try RefusingGateway(data: s.data)
        let formFile = s.root.appendingPathComponent("found.json")
        try Data(try s.example("return.found-abroad", caseReference: "AL-2026-000062").serialized()).write(to: formFile)
        let send = ["send", formFile.path, "--type", "return.found-abroad", "--to", "al.mpb.secretariat", "--case", "AL-2026-000062", "--subject", "child"]
        func count(_ folder: String) -> Int {
            ((try? FileManager.default.contentsOfDirectory(atPath: s.agencyFolder(mission).appendingPathComponent("state/\(folder)").path)) ?? [])
                .filter { $0.hasSuffix(".jws") }.count
        }

        standIn.refuse(429, nil)
        let busy = try await s.uraOffPool(mission, send, gateway: standIn.url)
        #expect(busy.status == 69 && busy.stderr.contains("is kept in the outbox"), "\(busy)")
        #expect(count("outbox") == 1 && count("rejected") == 0)
        standIn.refuse(408, "request-timeout")
        let slow = try await s.uraOffPool(mission, ["outbox"], gateway: standIn.url)
        #expect(slow.status == 69 && slow.stderr.contains("is kept in the outbox"), "\(slow)")
        standIn.refuse(403, "agency-suspended")
        let suspended = try await s.uraOffPool(mission, ["outbox"], gateway: standIn.url)
        #expect(suspended.status == 77 && suspended.stderr.contains("is kept in the outbox"), "\(suspended)")
        #expect(count("outbox") == 1 && count("rejected") == 0)

        // At the real gateway the kept message goes through.
        let retried = try await s.uraOffPool(mission, ["outbox"])
        #expect(retried.status == 0 && retried.stdout.hasPrefix("accepted "), "\(retried)")
        #expect(count("outbox") == 0)

        // A refusal about the message itself: sending it again cannot help.
        standIn.refuse(422, "route-not-allowed")
        let refused = try await s.uraOffPool(mission, send, gateway: standIn.url)
        #expect(refused.status == 1 && refused.stderr.contains("cannot help: it was moved to"), "\(refused)")
        #expect(count("outbox") == 0 && count("rejected") == 1)
        let rejected = s.agencyFolder(mission).appendingPathComponent("state/rejected")
        for name in try FileManager.default.contentsOfDirectory(atPath: rejected.path) {
            #expect(name.hasSuffix(".jws"), "a temporary file was left behind: \(name)")
            let mode = try FileManager.default.attributesOfItem(atPath: rejected.appendingPathComponent(name).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(name): mode \(mode.map { String($0, radix: 8) } ?? "?")")
        }
        await standIn.stop()
        await s.close()
    }
}
