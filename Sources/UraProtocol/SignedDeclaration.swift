import UraCrypto
import UraJSON
import UraModel

/// Form A1 of the SOP as it travels: a JWS (`typ: ura-declaration+json`) over the declaration's
/// fields, with the declarant's name as a JWE only the secretariat can open.
public enum SignedDeclaration {
    /// Signs a declaration as an agency submits it (`ura declare`): the declarant's name encrypted
    /// to the secretariat's keys, the rest in the clear for the gateway to check and record.
    public static func sign(id: String, caseReference: CaseReference, role: DeclarantRole, agency: AgencyID, declaredOn: String,
                            formDigest: String, name: String, secretariatKeys: [AgreementPublicKey], key: SigningKey) throws -> [UInt8] {
        let encryptedName = try JWE.encrypt(Array(name.utf8), to: secretariatKeys, protectedHeader: ["ura_decl": .string(id)])
        let payload: JSONValue = [
            "id": .string(id), "case": .string(caseReference.rawValue), "role": .string(role.rawValue), "agency": .string(agency.rawValue),
            "declared_on": .string(declaredOn), "form_digest": .string(formDigest), "name": encryptedName.json,
        ]
        return try JWS.sign(payload: payload.serialized(), header: ["typ": "ura-declaration+json"], with: key).serialized()
    }
}
