/// The configured database did not answer (PostgreSQL down, wrong host or port, a network between):
/// a sentence naming where urad tried. `urad` prints it and exits 69 (`EX_UNAVAILABLE`): worth
/// starting again later, unlike a configuration error (78).
public struct StoreUnreachable: Error, Sendable, CustomStringConvertible {
    public let description: String
}
