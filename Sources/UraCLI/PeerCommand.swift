import Foundation
import UraBasics
import UraClient
import UraJSON
import UraModel
import UraProtocol
import UraProvisioning

/// `ura admin peer card|add|list|remove`: the gateway's peer gateways of other countries
/// (federation, docs/federation.md) through `Peering`; `--reload` tells the running urad, which
/// then fetches the peer's signed directory at once.
enum PeerCommand {
    static func run(_ raw: [String]) throws {
        let args = try CommandLineArguments(raw, options: ["data-dir", "url", "card", "out", "peer"], flags: ["reload", "json"])
        let data = URL(fileURLWithPath: try args.requiredOption("data-dir"))
        switch args.positionals.first {
        case "card":
            let url = try args.requiredOption("url")
            let card = try provisioning { () throws(ProvisioningError) in try Peering.card(of: data, url: url) }
            let text = try JSONValueDecoder.reencode(card)
            if let out = args.option("out") {
                do { try DurableFile.write(text + [0x0A], to: URL(fileURLWithPath: out), mode: 0o644) } catch {
                    throw ClientError("cannot write \(out): \(error.message)", .ioError)
                }
                Terminal.out(args.flag("json") ? JSONValue.object(["peer": .string(card.id.rawValue), "card": .string(out)]).serializedString()
                             : "the card of \(card.id) is in \(out); give it to the peer's operator, who runs `ura admin peer add --card \(out)`")
            } else {
                Terminal.out(String(decoding: text, as: UTF8.self))
            }
        case "add":
            let file = try args.requiredOption("card")
            var card: PeerCard
            do { card = try JSONValueDecoder().decode(PeerCard.self, from: try JSONValue(parsing: try readFile(file))) } catch let error as ClientError {
                throw error
            } catch {
                throw ClientError("\(file) is not a peer card (ura admin peer card): \(error)", .dataError)
            }
            if let url = args.option("url") { card.url = url }
            let directory = try provisioning { () throws(ProvisioningError) in try Peering.add(card, to: data) }
            report(args, data, ["peer": .string(card.id.rawValue), "url": .string(card.url), "directory_version": .number(Double(directory.version))],
                   "added peer gateway \(card.id) at \(card.url) in directory version \(directory.version); its CA is in peers/\(card.id)/ca.pem")
        case "remove":
            let text = try args.requiredOption("peer")
            let id: AgencyID
            do { id = try AgencyID(text) } catch { throw UsageError("--peer: \(error)") }
            let directory = try provisioning { () throws(ProvisioningError) in try Peering.remove(id, from: data) }
            report(args, data, ["peer": .string(id.rawValue), "directory_version": .number(Double(directory.version))],
                   "removed peer gateway \(id) in directory version \(directory.version)")
        case "list":
            let peers = try provisioning { () throws(ProvisioningError) in try Peering.list(in: data) }
            if args.flag("json") {
                Terminal.out(JSONValue.array(peers.map { peer in
                    ["peer": .string(peer.id.rawValue), "name": .string(peer.name), "url": peer.delivery.pushURL.map { .string($0) } ?? .null,
                     "keys": .array(peer.keys.map { .string($0.kid) })]
                }).serializedString())
                return
            }
            if peers.isEmpty { Terminal.out("no peer gateways") }
            for peer in peers {
                Terminal.out("\(peer.id)  \(peer.delivery.pushURL ?? "-")  keys \(peer.keys.map(\.kid).joined(separator: ","))  \(peer.name)")
            }
        default:
            throw UsageError("usage: ura admin peer card --data-dir DIR --url URL [--out FILE]; ura admin peer add --data-dir DIR --card FILE [--url URL] [--reload]; "
                             + "ura admin peer list --data-dir DIR; or ura admin peer remove --data-dir DIR --peer ID [--reload]")
        }
    }

    /// The result line (or JSON), then `--reload`.
    private static func report(_ args: CommandLineArguments, _ data: URL, _ json: JSONObject, _ line: String) {
        var json = json
        var reloaded: pid_t?
        var reloadError: ClientError?
        if args.flag("reload") {
            do { reloaded = try AdminCommand.signalRunningURAD(on: data, unlessNone: "the peers will apply when it starts") } catch {
                reloadError = error as? ClientError
            }
        }
        json["reloaded_pid"] = reloaded.map { .number(Double($0)) } ?? .null
        Terminal.out(args.flag("json") ? JSONValue.object(json).serializedString() : line)
        if let reloaded, !args.flag("json") { Terminal.out("urad (pid \(reloaded)) reloads the directory and fetches the peers' directories") }
        if let reloadError { Terminal.error(reloadError.message) }
    }
}

extension DeliveryMode {
    var pushURL: String? {
        if case .push(let url) = self { return url }
        return nil
    }
}
