/// The twelve counties (qarqe) of Albania; a regional committee (KRAT) covers one of them and the
/// statistics are counted by county.
public enum County: String, CaseIterable, Codable, Sendable, Comparable {
    case berat, diber, durres, elbasan, fier, gjirokaster, korce, kukes, lezhe, shkoder, tirane, vlore

    public static func < (a: County, b: County) -> Bool { a.rawValue < b.rawValue }

    /// The county's name as written in Albanian (`Tiranë`, `Shkodër`, `Gjirokastër`).
    public var name: String {
        switch self {
        case .berat: "Berat"
        case .diber: "Dibër"
        case .durres: "Durrës"
        case .elbasan: "Elbasan"
        case .fier: "Fier"
        case .gjirokaster: "Gjirokastër"
        case .korce: "Korçë"
        case .kukes: "Kukës"
        case .lezhe: "Lezhë"
        case .shkoder: "Shkodër"
        case .tirane: "Tiranë"
        case .vlore: "Vlorë"
        }
    }
}
