// libFuzzer target: PEM and X.509 input to UraCrypto — certificates and bundles (a CA file, a
// client's chain), CSRs (enrolment), public and private keys (keys.json, key files). An input that
// starts with "-" is taken as PEM text as is; otherwise its first byte picks a PEM label and the
// rest is wrapped as that block's DER, so the mutations reach OpenSSL's DER decoders directly
// instead of breaking base64.
import Foundation
import UraCrypto

let labels = ["CERTIFICATE", "CERTIFICATE REQUEST", "PUBLIC KEY", "PRIVATE KEY"]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard let first = bytes.first else { return 0 }
    let pem: String
    if first == UInt8(ascii: "-") {
        pem = String(decoding: bytes, as: UTF8.self)
    } else {
        let label = labels[Int(first) % labels.count]
        let der = Data(bytes.dropFirst()).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        pem = "-----BEGIN \(label)-----\n\(der)\n-----END \(label)-----\n"
    }
    if let certificates = try? Certificate.bundle(pem: pem) {
        for certificate in certificates {
            _ = (certificate.subjectCommonName, certificate.issuerCommonName, certificate.notBefore, certificate.notAfter)
            _ = certificate.isIssued(by: certificate)
            if (try? Certificate(pem: certificate.pem))?.der != certificate.der { fatalError("a certificate does not survive its own PEM") }
        }
    }
    _ = try? CertificateSigningRequest(pem: pem)
    _ = try? VerificationKey(pem: pem)
    _ = try? SigningKey(pem: pem)
    _ = try? AgreementPrivateKey(pem: pem)
    _ = try? AgreementPublicKey(pem: pem)
    return 0
}
