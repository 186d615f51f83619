/// The kinds of participant of the domain brief; the catalogue says which kinds may send each
/// message type to which kinds.
public enum AgencyKind: String, CaseIterable, Codable, Sendable, Comparable {
    /// Technical Secretariat of the Responsible Authority (AP), Ministry of Interior.
    case secretariat
    /// State Police, local directorates, anti-trafficking sections.
    case police
    /// Border and Migration Police.
    case border
    /// State Social Service, regional offices, needs-assessment units, municipal social services.
    case social
    /// State Agency for Child Rights and Protection (ASHDMF), municipal child-protection units.
    case child
    /// Ministry for Europe and Foreign Affairs (MEPJ).
    case foreign
    /// A diplomatic or consular mission abroad, its own mailbox under MEPJ.
    case mission
    /// The national reception centre and the NGO shelters of the national coalition.
    case shelter
    /// Ministry of Health and Social Protection, health units.
    case health
    /// Ministry of Education, local education offices.
    case education
    /// National Agency for Employment and Skills.
    case employment
    /// Ministry of Justice, free legal aid.
    case justice
    /// General Prosecutor's Office.
    case prosecution
    /// State Labour and Social Services Inspectorate.
    case labour
    /// Authorities of another country, reached through MEPJ or another gateway.
    case counterpart
    /// Regional anti-trafficking committees: aggregates only, never identities.
    case committee
    /// The gateway itself, as the sender of its notices and alerts; in the directory, a peer
    /// gateway of another country (federation), never an agency.
    case gateway

    public static func < (a: AgencyKind, b: AgencyKind) -> Bool { a.rawValue < b.rawValue }

    /// The kind in words for people, Albanian and English (the dashboard, the desk).
    public var words: (sq: String, en: String) {
        switch self {
        case .secretariat: ("Sekretariati", "secretariat")
        case .police: ("Policia", "police")
        case .border: ("Policia kufitare", "border police")
        case .social: ("Shërbimi social", "social services")
        case .child: ("Mbrojtja e fëmijës", "child protection")
        case .foreign: ("Ministria e Jashtme", "foreign affairs")
        case .mission: ("Përfaqësi diplomatike", "diplomatic mission")
        case .shelter: ("Qendër strehimi", "shelter")
        case .health: ("Shëndetësia", "health")
        case .education: ("Arsimi", "education")
        case .employment: ("Punësimi", "employment")
        case .justice: ("Drejtësia", "justice")
        case .prosecution: ("Prokuroria", "prosecution")
        case .labour: ("Inspektorati i punës", "labour inspectorate")
        case .counterpart: ("Autoritet i huaj", "foreign counterpart")
        case .committee: ("KRAT", "regional committee")
        case .gateway: ("Porta", "gateway")
        }
    }
}
