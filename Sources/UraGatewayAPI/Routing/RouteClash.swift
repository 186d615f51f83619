/// A route table that contradicts itself (two routes for the same requests, a parameter named
/// twice), found by `RouteTable.validate()`.
struct RouteClash: Error, Sendable, CustomStringConvertible {
    let description: String
}
