import Foundation
import UraCrypto
import UraJSON
import UraModel
import UraProtocol
import UraSchema
import UraStore

/// Records confidentiality declarations (form A1): an agency submits a JWS it signed, saying that
/// a person in a given role signed the declaration for a case before an interview. The name
/// travels encrypted to the secretariat; the gateway keeps the record, the signed JWS and a ledger
/// entry. Intake checks interview records against these (`RoutingPolicy`).
public struct DeclarationDesk: Sendable {
    let store: any Store
    let directory: DirectoryBook
    let catalogue: MessageCatalogue
    let clock: any WallClock
    let events: GatewayEvents

    public init(store: any Store, directory: DirectoryBook, catalogue: MessageCatalogue, clock: any WallClock, events: GatewayEvents) {
        self.store = store
        self.directory = directory
        self.catalogue = catalogue
        self.clock = clock
        self.events = events
    }

    /// Verifies and records a declaration from `agency`; false in `isNew` when the same signed
    /// declaration was already on file.
    public func record(_ bytes: [UInt8], from agency: Agency) async throws(GatewayError) -> (record: DeclarationRecord, isNew: Bool) {
        let now = clock.now
        let snapshot = directory.snapshot
        let jws: ParsedJWS
        do { jws = try JWS.parse(bytes, limits: .init(maxDepth: 32, maxBytes: 1 << 20)) } catch {
            throw GatewayError(.malformedJWS, "a declaration is a flattened JWS signed by the declaring agency: \(error)")
        }
        let typeAndKid = "a declaration's protected header has typ ura-declaration+json and the signing key's kid"
        guard jws.signature.type == "ura-declaration+json" else { throw GatewayError(.malformedJWS, typeAndKid) }
        do {
            _ = try SignedObjectCheck.verify(jws) { kid throws(SignedObjectCheck.Failure) in
                guard let key = snapshot.signingKey(kid: kid, agency: agency.id, at: now) else {
                    throw .unknownKey(kid: kid, reason: "the declaration is signed with key \(kid), which is not a current key of \(agency.id)")
                }
                return key
            }
        } catch {
            switch error {
            case .noKeyID: throw GatewayError(.malformedJWS, typeAndKid)
            case .unknownKey(_, let reason): throw GatewayError(.unknownSigningKey, reason)
            case .invalidSignature, .payload, .unsupported:
                throw GatewayError(.invalidSignature, "the declaration's signature does not verify with \(agency.id)'s key")
            }
        }
        let payload: JSONValue
        do { payload = try JSONValue(parsing: jws.payload) } catch { throw GatewayError(.malformedJSON, "the declaration's payload is not JSON") }
        let errors = catalogue.declaration.validate(payload)
        guard errors.isEmpty else {
            throw GatewayError(.invalidRequest, "the declaration does not match declaration.schema.json: " + errors.prefix(3).map(\.description).joined(separator: "; "))
        }
        guard let id = payload["id"]?.stringValue, let caseText = payload["case"]?.stringValue, let caseReference = try? CaseReference(caseText),
              let role = payload["role"]?.stringValue.flatMap(DeclarantRole.init(rawValue:)), let declaredOn = payload["declared_on"]?.stringValue,
              let digest = payload["form_digest"]?.stringValue, let name = payload["name"]
        else { throw GatewayError(.invalidRequest, "the declaration lacks a field its schema requires") }
        guard payload["agency"]?.stringValue == agency.id.rawValue else {
            throw GatewayError(.senderMismatch, "the declaration says agency \(payload["agency"]?.stringValue ?? "?"), but the client certificate is \(agency.id)'s")
        }
        if let day = RFC3339.day(from: declaredOn), day.timeIntervalSince(now) > 86_400 {
            throw GatewayError(.invalidRequest, "declared_on \(declaredOn) is in the future; a declaration is signed before the interview")
        }
        let headers: (protectedHeader: JSONObject, recipientKeyIDs: [String])
        do { headers = try JWE.headers(json: name) } catch { throw GatewayError(.invalidRequest, "name: not a JWE: \(error)") }
        guard headers.protectedHeader["ura_decl"]?.stringValue == id else {
            throw GatewayError(.invalidRequest, "name: the JWE's protected header must carry ura_decl = \(id), binding the name to this declaration")
        }
        let secretariatKeys = Set(snapshot.directory.agencies(ofKind: .secretariat).flatMap { snapshot.encryptionKeyIDs(of: $0.id, at: now) })
        guard !secretariatKeys.isDisjoint(with: headers.recipientKeyIDs) else {
            throw GatewayError(.bodyNotEncryptedToRecipient, "the declarant's name must be encrypted to a current key of the secretariat (GET /v1/directory)")
        }
        let record = DeclarationRecord(id: id, caseReference: caseReference, role: role, agency: agency.id, declaredOn: declaredOn,
                                       formDigest: digest, encryptedName: name.serialized(), recordedAt: now, signed: bytes)
        do {
            if let existing = try store.declarations(forCase: caseReference).first(where: { $0.id == id }) {
                guard existing.signed == bytes else { throw GatewayError(.idConflict, "declaration \(id) is already on file with other content") }
                return (existing, false)
            }
            try await store.recordDeclaration(record)
        } catch let problem as GatewayError {
            throw problem
        } catch StoreError.invalidState {
            throw GatewayError(.idConflict, "declaration id \(id) is already used for another case; choose a new id")
        } catch {
            throw GatewayError(.unavailable, "the declaration could not be stored (\(error)); send it again")
        }
        events.log.info("declaration.recorded", ["id": .string(id), "case": .id(caseReference), "role": .string(role.rawValue), "agency": .id(agency.id)])
        return (record, true)
    }
}
