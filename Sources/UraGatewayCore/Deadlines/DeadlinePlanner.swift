import Foundation
import UraModel
import UraProtocol

/// Turns the catalogue's expectations into the deadlines a newly accepted message arms: one per
/// expectation that applies to the message's subject, due by the working calendar, and for a
/// monthly report one per month of the series. Each carries its obligation (rule and responsible
/// party) so that the store arms it only when no deadline of that obligation is pending in the case.
public struct DeadlinePlanner: Sendable {
    public let catalogue: Catalogue
    public let calendar: WorkingCalendar

    public init(catalogue: Catalogue, calendar: WorkingCalendar) {
        self.catalogue = catalogue
        self.calendar = calendar
    }

    /// `parties` are the sender and recipients with their kinds: those of an expectation's kinds are
    /// named as responsible in the overdue notice.
    public func deadlines(for m: MessageMetadata, acceptedAt: Date, parties: [AgencyID: AgencyKind]) -> [Deadline] {
        guard let entry = catalogue[m.type] else { return [] }
        var armed: [Deadline] = []
        for (index, expectation) in entry.expects.enumerated() where expectation.applies(to: m.subject) {
            let responsible = parties.filter { expectation.by.contains($0.value) }.keys.sorted()
            let obligation = expectation.per == .obligation
                ? Self.obligation(triggerType: m.type, index: index, responsible: responsible, kinds: expectation.by) : nil
            func make(id: String, due: Date, occurrence: Int?) -> Deadline {
                Deadline(id: id, caseReference: m.caseReference, trigger: m.id, triggerType: m.type, expected: expectation.types,
                         responsible: responsible, responsibleKinds: expectation.by, optional: expectation.optional,
                         rule: expectation.within, armedAt: acceptedAt, due: due, occurrence: occurrence, obligation: obligation)
            }
            if expectation.within == .monthly {
                for month in 1...max(1, expectation.forMonths ?? 1) {
                    armed.append(make(id: "\(m.id)/\(index)/\(month)",
                                      due: calendar.due(.monthly, from: acceptedAt, occurrence: month), occurrence: month))
                }
            } else {
                armed.append(make(id: "\(m.id)/\(index)", due: calendar.due(expectation.within, from: acceptedAt), occurrence: nil))
            }
        }
        return armed
    }

    /// `<trigger type>#<expectation index> <party>`, the party being the responsible agencies, or the
    /// kinds when no party of those kinds took part. Migration 7 computes the same text in SQL for
    /// the rows it merges; change both together.
    public static func obligation(triggerType: MessageType, index: Int, responsible: [AgencyID], kinds: [AgencyKind]) -> String {
        let party = responsible.isEmpty ? "kinds:" + kinds.map(\.rawValue).sorted().joined(separator: ",")
                                        : responsible.map(\.rawValue).sorted().joined(separator: ",")
        return "\(triggerType.rawValue)#\(index) \(party)"
    }
}
