import Foundation
import UraGatewayCore
import UraModel

/// What the dashboard shows instead of codes: an agency's name and kind (its id on a second line
/// and on hover), a type's SOP form letter and Albanian title (English beside, the id on hover),
/// states and events in words in both languages, times in Europe/Tirane with the offset, and how
/// far a deadline is in the SOP's working days. Every result is HTML, already escaped.
struct DashboardWords: Sendable {
    let gateway: Gateway
    let now: Date

    init(gateway: Gateway) {
        self.gateway = gateway
        self.now = gateway.clock.now
    }

    // MARK: Agencies and types

    /// `Name (kind)` with the id below; an id the directory does not know stays an id.
    func agency(_ id: String, link: Bool = true) -> String {
        let directory = gateway.directory.snapshot.directory
        if id == directory.gateway.id.rawValue {  // the gateway's own notices
            return "<span title=\"\(HTML.escape(id))\">\(HTML.escape(directory.gateway.name))</span> <span class=\"muted\">(\(kind(.gateway)))</span><br><small class=\"id\">\(HTML.escape(id))</small>"
        }
        let agency = (try? AgencyID(id)).flatMap { gateway.directory.snapshot[$0] }
        let name = agency.map { HTML.escape($0.name) } ?? HTML.escape(id)
        let linked = link ? "<a href=\"/messages?agency=\(HTML.escape(HTML.query(id)))\" title=\"\(HTML.escape(id))\">\(name)</a>" : "<span title=\"\(HTML.escape(id))\">\(name)</span>"
        guard let agency else { return linked }
        return "\(linked) <span class=\"muted\">(\(kind(agency.kind)))</span><br><small class=\"id\">\(HTML.escape(id))</small>"
    }

    func agencies(_ ids: [String]) -> String { ids.map { agency($0) }.joined(separator: "<br>") }

    /// `A5 Kërkesë për identifikim formal / Request for formal identification`, the id on hover.
    func type(_ raw: String, link: Bool = true) -> String {
        guard let entry = (try? MessageType(raw)).flatMap({ gateway.catalogue.catalogue[$0] }) else { return HTML.escape(raw) }
        let form = entry.form.map { "<b class=\"form\">\(HTML.escape($0))</b> " } ?? ""
        let title = "\(form)\(HTML.label(entry.titleSq, entry.title))"
        return link ? "<a href=\"/messages?type=\(HTML.escape(HTML.query(raw)))\" title=\"\(HTML.escape(raw))\">\(title)</a>"
                    : "<span title=\"\(HTML.escape(raw))\">\(title)</span>"
    }

    func kind(_ kind: AgencyKind) -> String {
        HTML.label(kind.words.sq, kind.words.en)
    }

    // MARK: States and events

    static let deliveryStates: [String: (String, String)] = [
        "pending": ("Në pritje", "waiting"), "in_flight": ("Në dërgim", "being delivered"),
        "retry_scheduled": ("Do të riprovohet", "retry scheduled"), "delivered": ("Dorëzuar", "delivered"),
        "dead_letter": ("Dështoi përfundimisht", "given up (dead letter)"),
    ]

    static let deadlineStates: [String: (String, String)] = [
        "open": ("I hapur", "open"), "met": ("Përmbushur", "met"), "overdue": ("I kaluar", "overdue"), "cancelled": ("Anuluar", "cancelled"),
    ]

    static let reachability: [String: (String, String)] = [
        "reachable": ("E arritshme", "reachable"), "failing": ("Nuk arrihet", "failing"), "unknown": ("Ende pa kontakt", "not contacted yet"),
    ]

    static let events: [String: (String, String)] = [
        "message.accepted": ("Mesazhi u pranua", "message accepted"), "delivery.in_flight": ("Në dërgim", "delivery started"),
        "delivery.delivered": ("U dorëzua", "delivered"), "delivery.retry_scheduled": ("Dështoi; do të riprovohet", "failed; retry scheduled"),
        "delivery.dead_letter": ("Dështoi përfundimisht", "given up (dead letter)"), "delivery.redriven": ("U ridërgua", "redriven"),
        "delivery.lease_expired": ("Dërgimi nuk u konfirmua; riprovohet", "delivery not confirmed; retried"),
        "delivery.channel_changed": ("Kanali u ndryshua", "delivery channel changed"), "delivery.failed": ("Dështoi", "failed"),
        "delivery.relay_accepted": ("U pranua nga porta fqinje", "accepted by the peer gateway"),
        "message.body_purged": ("Përmbajtja u fshi (ruajtja)", "body purged (retention)"),
        "declaration.recorded": ("Deklarata u regjistrua", "declaration recorded"), "deadline.armed": ("Afati filloi", "deadline started"),
        "deadline.met": ("Afati u përmbush", "deadline met"), "deadline.overdue": ("Afati kaloi", "deadline overdue"),
        "deadline.cancelled": ("Afati u anulua", "deadline cancelled"), "deadline.repeated": ("I njëjti detyrim u nxit sërish", "same obligation triggered again"),
    ]

    func word(_ raw: String, in table: [String: (String, String)]) -> String {
        guard let (sq, en) = table[raw] else { return HTML.escape(raw) }
        return "<span title=\"\(HTML.escape(raw))\">\(HTML.label(sq, en))</span>"
    }

    func deliveryState(_ raw: String) -> String {
        let text = word(raw, in: Self.deliveryStates)
        return raw == "dead_letter" ? "<span class=\"bad\">\(text)</span>" : raw == "delivered" ? "<span class=\"ok\">\(text)</span>" : text
    }

    func deadlineState(_ raw: String) -> String {
        let text = word(raw, in: Self.deadlineStates)
        return raw == "overdue" ? "<span class=\"bad\">\(text)</span>" : text
    }

    func event(_ raw: String) -> String { word(raw, in: Self.events) }

    // MARK: Time

    /// `2026-12-07 10:00 +01:00`.
    func time(_ date: Date?) -> String { date.map { HTML.escape(LocalTime.string(from: $0)) } ?? "" }

    func time(_ rfc3339: String?) -> String {
        guard let text = rfc3339 else { return "" }
        return RFC3339.date(from: text).map { time($0) } ?? HTML.escape(text)
    }

    /// "in 2 working days", "in 3 h", "overdue by 5 h", "overdue by 3 working days", counted on
    /// the SOP's working calendar (weekends and holidays are not working days).
    func relative(_ due: Date) -> String {
        let calendar = gateway.calendar
        if due > now {
            let days = workingDays(from: calendar.localDate(of: now), to: calendar.localDate(of: due))
            if days >= 1 { return HTML.label("pas \(days) ditësh pune", days == 1 ? "in 1 working day" : "in \(days) working days") }
            let hours = max(1, Int((due.timeIntervalSince(now) / 3600).rounded(.up)))
            return HTML.label("pas \(hours) orësh", "in \(hours) h")
        }
        let days = workingDays(from: calendar.localDate(of: due), to: calendar.localDate(of: now))
        let text: String
        if days >= 1 {
            text = HTML.label("kaluar me \(days) ditë pune", days == 1 ? "overdue by 1 working day" : "overdue by \(days) working days")
        } else {
            // The same day, or only non-working days since: hours, or calendar days past a weekend or holiday.
            let hours = max(1, Int((now.timeIntervalSince(due) / 3600).rounded(.down)))
            text = hours < 24 ? HTML.label("kaluar me \(hours) orë", "overdue by \(hours) h")
                              : HTML.label("kaluar me \(hours / 24) ditë", "overdue by \(hours / 24) days")
        }
        return "<span class=\"bad\">\(text)</span>"
    }

    /// Working days after `from` up to and including `to` (both local dates, `YYYY-MM-DD`).
    func workingDays(from: String, to: String) -> Int {
        var count = 0, day = from
        while day < to, count < 10_000 {
            day = gateway.calendar.adding(days: 1, to: day)
            if gateway.calendar.isWorkingDay(day) { count += 1 }
        }
        return count
    }
}
