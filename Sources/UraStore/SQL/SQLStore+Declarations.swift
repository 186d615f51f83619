import Foundation
import UraJSON
import UraModel
import UraProtocol

/// Declarations on file and the purge of settled bodies.
extension SQLStore {
    @inlinable public func recordDeclaration(_ d: DeclarationRecord) async throws(StoreError) {
        try await write { tx throws(StoreError) in
            let exists = try tx.database.scalar("SELECT 1 FROM declarations WHERE id = ?", [.text(d.id)]) != nil
            guard !exists else { throw StoreError.invalidState("declaration \(d.id) is already on file") }
            let index = try tx.appendToLedger(LedgerEvent(.declarationRecorded, at: d.recordedAt, agency: d.agency, data: [
                "id": .string(d.id), "case": .string(d.caseReference.rawValue), "role": .string(d.role.rawValue),
                "declared_on": .string(d.declaredOn), "form_digest": .string(d.formDigest),
            ]))
            try tx.database.run("""
                INSERT INTO declarations (id, case_ref, role, agency, declared_on, form_digest, encrypted_name, recorded_at, ledger_index, signed)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [.text(d.id), .text(d.caseReference.rawValue), .text(d.role.rawValue), .text(d.agency.rawValue),
                      .text(d.declaredOn), .text(d.formDigest), .blob(d.encryptedName), .date(d.recordedAt), .integer(Int64(index)),
                      .blob(d.signed)])
        }
    }

    @inlinable public func declarations(forCase caseReference: CaseReference) throws(StoreError) -> [DeclarationRecord] {
        try read { (db) throws(StoreError) in
            var all: [DeclarationRecord] = []
            try db.query("""
                SELECT id, case_ref, role, agency, declared_on, form_digest, encrypted_name, recorded_at, signed
                FROM declarations WHERE case_ref = ? ORDER BY recorded_at, id
                """, [.text(caseReference.rawValue)]) { (row) throws(StoreError) in
                guard let role = DeclarantRole(rawValue: row[2].string ?? ""), let agency = try? AgencyID(row[3].string ?? "")
                else { throw StoreError.corrupt("declaration \(row[0].string ?? "?") has an invalid role or agency") }
                all.append(DeclarationRecord(id: row[0].string ?? "", caseReference: caseReference, role: role, agency: agency,
                                             declaredOn: row[4].string ?? "", formDigest: row[5].string ?? "",
                                             encryptedName: row[6].bytes ?? [], recordedAt: row[7].date ?? .distantPast,
                                             signed: row[8].bytes ?? []))
            }
            return all
        }
    }

    @inlinable public func purgeBodies(settledBefore cutoff: Date, now: Date) async throws(StoreError) -> Int {
        try await write { tx throws(StoreError) in
            var due: [(seq: Int64, id: String)] = []
            try tx.database.query("""
                SELECT seq, id FROM messages WHERE purged_at IS NULL AND settled_at IS NOT NULL AND settled_at < ? LIMIT 10000
                """, [.date(cutoff)]) { (row) throws(StoreError) in due.append((row[0].int64 ?? -1, row[1].string ?? "")) }
            for message in due {
                try tx.database.run("UPDATE messages SET jws = NULL, purged_at = ? WHERE seq = ?", [.date(now), .integer(message.seq)])
                try tx.appendToLedger(LedgerEvent(.bodyPurged, at: now, message: try? MessageID(message.id)), messageSeq: message.seq)
            }
            return due.count
        }
    }
}
