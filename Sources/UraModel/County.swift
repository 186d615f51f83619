/// The twelve counties (qarqe) of Albania; a regional committee (KRAT) covers one of them and the
/// statistics are counted by county.
public enum County: String, CaseIterable, Codable, Sendable, Comparable {
    case berat, diber, durres, elbasan, fier, gjirokaster, korce, kukes, lezhe, shkoder, tirane, vlore

    public static func < (a: County, b: County) -> Bool { a.rawValue < b.rawValue }
}
