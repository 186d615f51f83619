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

/// What goes wrong reads as one sentence naming the file or field, with its documented exit code —
/// never a raw error dump or the exit code of a bug.
@Suite(.offThePool) struct CLIErrorTests {
    func oneSentence(_ text: String) -> Bool { text.split(separator: "\n").count == 1 && text.hasPrefix("ura: ") }

    @Test func aKeysFileThatIsNotJSONIsBadInputNamedInOneSentence() async throws {
        let demo = try OfflineDemo()
        let keys = demo.root.appendingPathComponent("new-keys")
        #expect(try await demo.ura(nil, ["keys", "generate", "--out", keys.path, "--agency", "al.police.new"]).status == 0)
        let csr = keys.appendingPathComponent("tls.csr").path
        #expect(try await demo.ura(nil, ["cert", "request", "--agency", "al.police.new", "--key", keys.appendingPathComponent("tls.key").path, "--out", csr]).status == 0)
        let bad = try demo.file("keys.json", Array("not json".utf8))
        let result = try await demo.ura(nil, ["admin", "enrol", "--data-dir", demo.data.path, "--csr", csr, "--kind", "police", "--name", "New",
                                        "--keys", bad])
        #expect(result.status == 65, "\(result)")
        #expect(oneSentence(result.stderr) && result.stderr.contains(bad), "\(result.stderr)")
    }

    @Test func aMissingProfileIsNamedInOneSentence() async throws {
        let demo = try OfflineDemo()
        let missing = demo.root.appendingPathComponent("nowhere/profile.json").path
        let result = try await demo.ura(nil, ["--profile", missing, "inbox"])
        #expect(result.status == 78, "\(result)")
        #expect(oneSentence(result.stderr) && result.stderr.contains("the profile \(missing) does not exist"), "\(result.stderr)")
    }

    @Test func anAcceptedReceiptMissingAFieldNamesItWithoutADecodingDump() throws {
        let demo = try OfflineDemo()
        let payload: JSONValue = ["receipt": "accepted", "message": .string(MessageID.random().rawValue), "at": "2026-11-23T09:15:00Z",
                                  "by": "al.ura.gateway"]
        let receipt = try JWS.sign(payload: payload.serialized(), header: ["typ": "ura-receipt+json"], with: try demo.gatewayKey()).serialized()
        let message = try JWS.sign(payload: Array("{}".utf8), with: try demo.signingKey("al.police.dvp-tirane")).serialized()
        #expect {
            _ = try ReceiptCheck.accepted(receipt, message: message, directory: try demo.directory())
        } throws: { error in
            let error = error as? ClientError
            return error?.kind == .protocolError && error?.message.contains("digest") == true && error?.message.contains("CodingKeys") == false
        }
    }
}
