import Foundation
import Testing
import UraModel
import UraStore

extension StoreConformance {
    /// Confidentiality declarations (form A1), by case.
    public static let declarations: [StoreCheck] = [
        StoreCheck("declarationsAreListedByCase") { f in
            let caseA = CaseReference(validated: "AL-2026-000042")
            for (i, role) in [DeclarantRole.interviewer, .interpreter].enumerated() {
                try await f.store.recordDeclaration(DeclarationRecord(
                    id: "d\(i)", caseReference: caseA, role: role, agency: StoreFixture.police, declaredOn: "2026-11-23",
                    formDigest: "digest\(i)", encryptedName: [UInt8(i)], recordedAt: f.start.addingTimeInterval(Double(i))))
            }
            #expect(try f.store.declarations(forCase: caseA).map(\.role) == [.interviewer, .interpreter])
            #expect(try f.store.declarations(forCase: CaseReference(validated: "AL-2026-000043")).isEmpty)
        },

        /// A declaration is recorded once: the same id again is refused, and neither the declarations
        /// nor the ledger change.
        StoreCheck("aDeclarationIsRecordedOnce") { f in
            let caseA = CaseReference(validated: "AL-2026-000042")
            let declaration = DeclarationRecord(
                id: "d1", caseReference: caseA, role: .interpreter, agency: StoreFixture.police, declaredOn: "2026-11-23",
                formDigest: "x", encryptedName: [1, 2, 3], recordedAt: f.start)
            try await f.store.recordDeclaration(declaration)
            let size = try f.store.ledgerSize()
            await #expect(throws: StoreError.self) { try await f.store.recordDeclaration(declaration) }
            #expect(try f.store.declarations(forCase: caseA).count == 1)
            #expect(try f.store.ledgerSize() == size)
        },
    ]
}
