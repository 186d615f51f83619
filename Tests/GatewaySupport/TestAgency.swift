import Foundation
import UraCLI
import UraClient
import UraCrypto
import UraDaemon
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning
import UraStoreSQLite

/// A participant of the test directory with real keys.
package struct TestAgency: Sendable {
    package let id: AgencyID
    let kind: AgencyKind
    package let signing: SigningKey
    package let encryption: AgreementPrivateKey
    let delivery: DeliveryMode

    package init(_ id: String, _ kind: AgencyKind, delivery: DeliveryMode = .pull) throws {
        self.id = try AgencyID(id)
        self.kind = kind
        self.signing = try SigningKey.generate(.eddsa)
        self.encryption = try AgreementPrivateKey.generate(.x25519)
        self.delivery = delivery
    }

    package var agency: Agency {
        Agency(id: id, kind: kind, name: id.rawValue, county: .tirane,
               keys: [DirectoryKey(kid: signing.keyID, use: .sig, jwk: signing.publicKey.jwk),
                      DirectoryKey(kid: encryption.keyID, use: .enc, jwk: encryption.publicKey.jwk)],
               delivery: delivery)
    }
}
