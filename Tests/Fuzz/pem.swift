// libFuzzer target: PEM and X.509 input to UraCrypto — certificate bundles (a CA file, a
// client's chain), CSRs (enrolment), public and private keys (keys.json, key files). The first
// byte picks the reader; if the second is "-" the rest is PEM text as is, otherwise the rest is
// wrapped as that reader's PEM block around raw DER, so mutations reach OpenSSL's DER decoders
// instead of breaking base64. One reader per input: OpenSSL 3's key decoders cost ~5 ms each under
// ASan, and trying every reader on every input made the target too slow to learn.
import Foundation
import UraCrypto

let readers: [(label: String, read: @Sendable (String) -> Void)] = [
    ("CERTIFICATE", { pem in
        guard let certificates = try? Certificate.bundle(pem: pem) else { return }
        for certificate in certificates {
            _ = (certificate.subjectCommonName, certificate.issuerCommonName, certificate.notBefore, certificate.notAfter)
            _ = certificate.isIssued(by: certificate)
            if (try? Certificate(pem: certificate.pem))?.der != certificate.der { fatalError("a certificate does not survive its own PEM") }
        }
    }),
    ("CERTIFICATE REQUEST", { _ = try? CertificateSigningRequest(pem: $0) }),
    ("PUBLIC KEY", { _ = try? VerificationKey(pem: $0) }),
    ("PRIVATE KEY", { _ = try? SigningKey(pem: $0) }),
    ("PRIVATE KEY", { _ = try? AgreementPrivateKey(pem: $0) }),
    ("PUBLIC KEY", { _ = try? AgreementPublicKey(pem: $0) }),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeBufferPointer(start: data, count: size)
    guard size >= 2 else { return 0 }
    let reader = readers[Int(bytes[0]) % readers.count]
    if bytes[1] == UInt8(ascii: "-") {
        reader.read(String(decoding: bytes.dropFirst(), as: UTF8.self))
    } else {
        let der = Data(bytes.dropFirst()).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        reader.read("-----BEGIN \(reader.label)-----\n\(der)\n-----END \(reader.label)-----\n")
    }
    return 0
}
