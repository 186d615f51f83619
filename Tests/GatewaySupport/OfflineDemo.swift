import Foundation
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

/// A demo data directory in a temporary folder and no urad: the agencies' profiles name a port
/// nothing listens on (127.0.0.1:1), so to `ura` the gateway is unreachable. For the commands that
/// work offline (verify, admin, send into the outbox).
package final class OfflineDemo: @unchecked Sendable {
    package let root: URL
    package let data: URL
    package let schemas = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Schemas").standardized

    package init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("ura-cli-\(UUID().uuidString)")
        data = root.appendingPathComponent("data")
        try DemoSetup.create(in: data, gatewayID: AgencyID(validated: "al.ura.gateway"), gatewayName: "Ura", gatewayURL: "https://127.0.0.1:1")
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    package func agencyFolder(_ agency: String) -> URL { data.appendingPathComponent("agencies/\(agency)") }

    /// `ura`, as `agency` when one is given (off the cooperative pool: see `Processes.runOffPool`).
    package func ura(_ agency: String?, _ arguments: [String]) async throws -> Processes.Result {
        let profile = agency.map { ["--profile", agencyFolder($0).appendingPathComponent("profile.json").path] } ?? []
        return try await Processes.runOffPool("ura", profile + ["--schemas", schemas.path] + arguments)
    }

    package func signingKey(_ agency: String) throws -> SigningKey { try SigningKey(contentsOfFile: agencyFolder(agency).appendingPathComponent("signing.key").path) }
    package func gatewayKey() throws -> SigningKey { try SigningKey(contentsOfFile: data.appendingPathComponent("gateway/signing.key").path) }
    package func directory() throws -> Directory { try DirectoryFile.read(data.appendingPathComponent("directory.json")) }
    package var directoryFile: String { data.appendingPathComponent("directory.json").path }

    /// `directory` signed by the gateway, as urad serves it.
    package func signed(_ directory: Directory) throws -> [UInt8] {
        try JWS.sign(payload: try JSONValueDecoder.reencode(directory), header: ["typ": "ura-directory+json"], with: try gatewayKey()).serialized()
    }

    /// Writes `bytes` to a file under the temporary folder; its path.
    package func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = root.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// The example form of `type` with `case` set.
    package func example(_ type: String, caseReference: String) throws -> JSONValue {
        guard case .object(var form) = try JSONValue(parsing: Array(try Data(contentsOf: schemas.appendingPathComponent("examples/\(type).json")))) else {
            return .null
        }
        form["case"] = .string(caseReference)
        return .object(form)
    }

    /// The `.jws` files in `agency`'s outbox, or in its `rejected/` folder.
    package func kept(_ agency: String, folder: String = "outbox") -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: agencyFolder(agency).appendingPathComponent("state/\(folder)").path)) ?? [])
            .filter { $0.hasSuffix(".jws") }
    }
}
