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

/// Single-threaded JOSE operations: JWS sign and verify (EdDSA, ES256) of a 256-byte payload (the
/// size `openssl speed` signs is a digest, so keep it small), and JWE encrypt of 4 KiB to three
/// recipients and decrypt. Benchmarks/crypto.sh runs `openssl speed` beside it.
enum CryptoBench {
    static func run(_ arguments: [String]) throws {
        let seconds = Double(arguments.first ?? "") ?? 2
        let payload = Array(repeating: UInt8(ascii: "a"), count: 256)
        for algorithm in [SignatureAlgorithm.eddsa, .es256] {
            let key = try SigningKey.generate(algorithm)
            let jws = try JWS.sign(payload: payload, with: key)
            let bytes = jws.serialized()
            let parsed = try JWS.parse(bytes)
            report(suite: "crypto", case: "jws-sign-\(algorithm.rawValue)", rate: try measureRate(seconds: seconds) {
                _ = try JWS.sign(payload: payload, with: key); return 1 })
            report(suite: "crypto", case: "jws-verify-\(algorithm.rawValue)", rate: try measureRate(seconds: seconds) {
                try parsed.verify(using: key.publicKey); return 1 })
            report(suite: "crypto", case: "jws-parse-verify-\(algorithm.rawValue)", rate: try measureRate(seconds: seconds) {
                try JWS.parse(bytes).verify(using: key.publicKey); return 1 })
        }
        let plaintext = Array(repeating: UInt8(ascii: "x"), count: 4096)
        for curve in [KeyCurve.x25519, .p256] {
            let keys = try (0..<3).map { _ in try AgreementPrivateKey.generate(curve) }
            let jwe = try JWE.encrypt(plaintext, to: keys.map(\.publicKey))
            let bytes = jwe.serialized()
            report(suite: "crypto", case: "jwe-encrypt-4KiB-3-recipients-\(curve.rawValue)", rate: try measureRate(seconds: seconds) {
                _ = try JWE.encrypt(plaintext, to: keys.map(\.publicKey)); return 1 })
            report(suite: "crypto", case: "jwe-decrypt-4KiB-\(curve.rawValue)", rate: try measureRate(seconds: seconds) {
                _ = try JWE.parse(bytes).decrypt(with: keys[2]); return 1 })
        }
    }
}
