import Foundation
import UraCrypto
import UraJSON
import UraModel
import UraProtocol

/// Cases as an agency and the secretariat follow them: confidentiality declarations (form A1)
/// sealed and recorded, a case's timeline, and its declarations with the declarants' names
/// decrypted here with the secretariat's key (the gateway cannot read them).
public enum CaseClient {
    /// What the gateway answered to a declaration: its document, and whether it was already on file.
    public struct Recorded: Sendable {
        public let answer: JSONValue
        public let alreadyOnFile: Bool
    }

    /// Seals a declaration — the name encrypted to the secretariat's current keys, the rest signed
    /// by the agency — and records it at the gateway.
    public static func declare(_ connection: GatewayConnection, id: String, caseReference: CaseReference, role: DeclarantRole,
                               declaredOn: String, form: [UInt8], name: String, now: Date = Date()) async throws(ClientError) -> Recorded {
        let profile = connection.profile
        let directory = try await connection.directory()
        let keys = directory.agencies(ofKind: .secretariat).flatMap { $0.keys(for: .enc, validAt: now) }
            .compactMap { try? AgreementPublicKey(jwk: $0.jwk) }
        guard !keys.isEmpty else { throw ClientError("the directory has no current encryption key of the secretariat", .protocolError) }
        let signingKey = try profile.loadSigningKey()
        let signed: [UInt8]
        do {
            signed = try SignedDeclaration.sign(id: id, caseReference: caseReference, role: role, agency: profile.agency, declaredOn: declaredOn,
                                                formDigest: Base64URL.encode(SHA256.hash(form)), name: name, secretariatKeys: keys, key: signingKey)
        } catch { throw ClientError("cannot seal the declaration: \(error)", .software) }
        let reply = try await connection.request("POST", "/v1/declarations", body: signed)
        guard let answer = reply.json else { throw ClientError("the gateway answered something that is not JSON", .protocolError) }
        return Recorded(answer: answer, alreadyOnFile: reply.status == 200)
    }

    /// The case's declarations with the declarants' names decrypted (the signed originals left out).
    public static func declarations(_ connection: GatewayConnection, of caseReference: CaseReference) async throws(ClientError) -> [JSONValue] {
        let reply = try await connection.request("GET", "/v1/cases/\(caseReference)/declarations")
        guard let answer = reply.json else { throw ClientError("the gateway answered something that is not JSON", .protocolError) }
        let key = try connection.profile.loadEncryptionKey()
        return (answer["declarations"]?.arrayValue ?? []).map { d in
            var item = d.objectValue ?? [:]
            item["signed"] = nil
            item["name"] = .string(decryptName(d["name"], key: key))
            return .object(item)
        }
    }

    /// The case's timeline as the gateway answers it (`events` in time order).
    public static func timeline(_ connection: GatewayConnection, of caseReference: CaseReference) async throws(ClientError) -> JSONValue {
        let reply = try await connection.request("GET", "/v1/cases/\(caseReference)/timeline")
        guard let answer = reply.json else { throw ClientError("the gateway answered something that is not JSON", .protocolError) }
        return answer
    }

    static func decryptName(_ jwe: JSONValue?, key: AgreementPrivateKey) -> String {
        guard let jwe, let opened = try? JWE.parse(json: jwe).decrypt(with: key) else { return "(not readable with this key)" }
        return String(decoding: opened.plaintext, as: UTF8.self)
    }
}
