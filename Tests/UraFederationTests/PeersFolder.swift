import Foundation
import UraGatewayTestSupport
import UraHTTPTestSupport
import UraModel

extension GatewayFixture {
    /// The gateway's peers folder with `peer`'s CA certificate (the test PKI's), as
    /// `ura admin peer add` leaves it.
    func peersFolder(trusting peer: AgencyID) throws -> URL {
        let folder = directoryURL.appendingPathComponent("peers")
        try FileManager.default.createDirectory(at: folder.appendingPathComponent(peer.rawValue), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestPKI.shared.caCertificate, toPath: folder.appendingPathComponent("\(peer)/ca.pem").path)
        return folder
    }
}
