import UraProvisioning
import UraClient
import UraDaemon
import Foundation
import UraCrypto
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraJSON
import UraLoad
import UraProtocol
import UraStoreSQLite

/// The Swift side of scripts/e2e/jose-interop.sh (not a benchmark; it lives here to stay out of
/// the shipped binaries). Keys are private JWK files written 0600.
///
///   ura-bench jose-interop keys DIR              Ed25519 + P-256 signing keys, X25519/P-256/P-384 agreement keys
///   ura-bench jose-interop sign KEY PAYLOAD      flattened JWS on stdout
///   ura-bench jose-interop verify KEY JWS        exit 0 and the payload when it verifies
///   ura-bench jose-interop encrypt PLAIN KEY...  general JWE (ECDH-ES+A256KW, A256GCM) on stdout
///   ura-bench jose-interop decrypt KEY JWE       the plaintext
enum JOSEInterop {
    static func run(_ arguments: [String]) throws {
        guard let command = arguments.first else { throw BenchError("jose-interop needs a command") }
        let rest = Array(arguments.dropFirst())
        func read(_ path: String) throws -> [UInt8] { Array(try Data(contentsOf: URL(fileURLWithPath: path))) }
        func jwk(_ path: String) throws -> JSONValue { try JSONValue(parsing: try read(path)) }
        switch command {
        case "keys":
            let dir = rest[0]
            let keys: [(String, JSONValue)] = [
                ("ed25519", try SigningKey.generate(.eddsa).jwk(includingPrivate: true)),
                ("p256-sig", try SigningKey.generate(.es256).jwk(includingPrivate: true)),
                ("x25519", try AgreementPrivateKey.generate(.x25519).jwk(includingPrivate: true)),
                ("p256", try AgreementPrivateKey.generate(.p256).jwk(includingPrivate: true)),
                ("p384", try AgreementPrivateKey.generate(.p384).jwk(includingPrivate: true)),
            ]
            for (name, key) in keys {
                let path = "\(dir)/\(name).jwk"
                let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
                guard fd >= 0 else { throw BenchError("cannot create \(path)") }
                let bytes = key.serialized()
                _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                close(fd)
            }
        case "sign":
            let key = try SigningKey(jwk: try jwk(rest[0]))
            print(String(decoding: try JWS.sign(payload: try read(rest[1]), header: ["typ": "ura-message+json"], with: key).serialized(), as: UTF8.self))
        case "verify":
            let key = try VerificationKey(jwk: try jwk(rest[0]))
            let parsed = try JWS.parse(try read(rest[1]))
            try parsed.verify(using: key)
            FileHandle.standardOutput.write(Data(parsed.payload))
        case "encrypt":
            let keys = try rest.dropFirst().map { try AgreementPublicKey(jwk: try jwk($0)) }
            print(String(decoding: try JWE.encrypt(try read(rest[0]), to: keys, protectedHeader: ["ura_msg": "interop"]).serialized(), as: UTF8.self))
        case "decrypt":
            let key = try AgreementPrivateKey(jwk: try jwk(rest[0]))
            FileHandle.standardOutput.write(Data(try JWE.parse(try read(rest[1])).decrypt(with: key).plaintext))
        default:
            throw BenchError("unknown jose-interop command \(command)")
        }
    }
}
