/// Every `ura` command once: its usage, what it does, its options, an example and the exit codes
/// it may end with. `ura --help`, `ura CMD --help`, `docs/cli.md` and the bash completion are
/// all made from this table, so they cannot disagree.
struct CommandHelp: Sendable {
    /// "send", "admin enrol".
    let name: String
    /// The arguments after the name.
    let synopsis: String
    let summary: String
    let options: [(flag: String, text: String)]
    let example: String
    let exits: [ExitCode]
    /// Needs `--profile` (an agency command).
    var agency = true

    var words: [String] { name.split(separator: " ").map(String.init) }

    /// The flags the completion offers ("--type", …).
    var flags: [String] { options.map { String($0.flag.split(separator: " ")[0]) } }

    var help: String {
        var lines = ["usage: ura \(agency ? "[--profile FILE] " : "")\(name) \(synopsis)", "", summary]
        let width = min(28, max(6, options.map(\.flag.count).max() ?? 0))
        lines += ["", "options:"]
        lines += (options + [("--help", "this text")]).map { "  " + $0.flag.padding(toLength: max(width, $0.flag.count), withPad: " ", startingAt: 0) + "  " + $0.text }
        lines += [""]
        lines += ["example:", "  \(example)", "", "exit codes:"]
        // Any command can be typed wrong (64); the rest are the command's own, in order.
        let codes = Set([.success, .usage] + exits).sorted { $0.rawValue < $1.rawValue }
        lines += codes.map { "  \(String($0.rawValue).padding(toLength: 3, withPad: " ", startingAt: 0)) \($0.meaning)" }
        return lines.joined(separator: "\n")
    }
}

enum CommandTable {
    static let profileExits: [ExitCode] = [.usage, .configuration]
    static let gatewayExits: [ExitCode] = [.usage, .unavailable, .protocolError, .permission, .configuration]

    static let all: [CommandHelp] = [
        CommandHelp(name: "send", synopsis: "FORM.json --type T --to ID[,ID] --case CASE --subject child|adult|unknown [options]",
                    summary: "Validates the form against its schema, encrypts it to every recipient, signs it, keeps it in the outbox (0600, synced) and submits it; prints the gateway's accepted receipt. Unreachable gateway: the message stays in the outbox (exit 69).",
                    options: [("--type T", "the message type (`ura types` lists them)"), ("--to ID[,ID]", "the recipients (`ura directory` lists them)"),
                              ("--case CASE", "the pseudonymous case reference, e.g. AL-2026-000061"),
                              ("--subject child|adult|unknown", "whom the form is about; an uncertain age that may be under 18 is child"),
                              ("--priority P", "normal, urgent or immediate"), ("--in-reply-to ID", "the message this answers"),
                              ("--participants ROLE,...", "interview records (A3, A4, B1, B2): the roles present, each with a declaration"),
                              ("--county C", "the county the case is in"), ("--expires-days N", "days until the message expires (30)"),
                              ("--json", "the receipt as JSON")],
                    example: "ura send found.json --type return.found-abroad --to al.mpb.secretariat,al.mepj --case AL-2026-000061 --subject adult",
                    exits: [.rejected, .usage, .dataError, .noInput, .unavailable, .ioError, .temporaryFailure, .protocolError, .permission, .configuration]),
        CommandHelp(name: "outbox", synopsis: "[--list | --due | --watch [--interval S]] [--json]",
                    summary: "Submits again what the outbox keeps, oldest first (the id makes a retry safe), or lists it. A message that cannot be sent waits with a backoff (30 s doubling to 15 min, kept in state/outbox/retry.json across restarts), and later messages to its recipients wait behind it so that each recipient gets them in order.",
                    options: [("--list", "list what is kept, with attempts and the next attempt; send nothing"),
                              ("--due", "send only what its backoff allows (deploy/user/ura-outbox.timer runs this)"),
                              ("--watch", "keep sending: a pass whenever a message is due, and every --interval"),
                              ("--interval S", "with --watch, look for new messages every S seconds (60)"), ("--json", "one JSON document per line")],
                    example: "ura outbox --watch", exits: [.rejected, .unavailable, .ioError, .protocolError, .permission, .configuration]),
        CommandHelp(name: "inbox", synopsis: "[--wait S] [--limit N] [--out DIR] [--show ID] [--json] [--no-ack]",
                    summary: "Fetches, verifies, decrypts and checks each message, keeps it (the signed original ID.jws and the form ID.json, 0600, synced) in the profile's state/inbox folder, and only then acknowledges it with a signed delivered receipt. Prints one line per message (id, type and form, sender, case) — never the form: `ura show ID` prints it to a terminal.",
                    options: [("--wait S", "wait up to S seconds for a first message"), ("--limit N", "at most N messages (50)"),
                              ("--out DIR", "keep the messages in DIR instead of state/inbox"), ("--show ID", "afterwards print the form of message ID (to a terminal only)"),
                              ("--json", "one line of metadata per message (no form)"), ("--no-ack", "keep but do not acknowledge")],
                    example: "ura inbox --wait 30", exits: [.verificationFailed, .unavailable, .ioError, .protocolError, .permission, .configuration]),
        CommandHelp(name: "show", synopsis: "ID [--from DIR]",
                    summary: "Prints the form of a message `ura inbox` kept, to a terminal only (it holds personal data; the record itself is ID.json, 0600).",
                    options: [("--from DIR", "the folder given to `inbox --out`")],
                    example: "ura show 0193a2b4-7c1d-7e2f-8a3b-4c5d6e7f8091", exits: [.usage, .noInput, .dataError, .configuration]),
        CommandHelp(name: "receipts", synopsis: "[--all] [--json]",
                    summary: "Delivered and failed receipts for the messages this agency sent, each signature checked.",
                    options: [("--all", "from the beginning, not only the new ones"), ("--json", "one JSON document per line")],
                    example: "ura receipts", exits: [.verificationFailed] + gatewayExits),
        CommandHelp(name: "status", synopsis: "[ID] [--json]",
                    summary: "Where each recipient's copy of message ID stands; a message still in the outbox (waiting or retrying) or moved to rejected/ is answered locally, without the gateway. Without ID (secretariat) the delivery overview.",
                    options: [("--json", "the answer as JSON")], example: "ura status 0193a2b4-7c1d-7e2f-8a3b-4c5d6e7f8091", exits: [.rejected] + gatewayExits),
        CommandHelp(name: "verify", synopsis: "FILE [--directory FILE] [--json]",
                    summary: "Checks a signed message (such as state/inbox/ID.jws), receipt, directory or ledger inclusion proof offline.",
                    options: [("--directory FILE", "the directory to check against (default: the profile's cached one)"), ("--json", "the result as JSON")],
                    example: "ura verify state/inbox/0193a2b4-7c1d-7e2f-8a3b-4c5d6e7f8091.jws",
                    exits: [.verificationFailed, .usage, .dataError, .noInput, .configuration]),
        CommandHelp(name: "audit", synopsis: "[--entries [--from N] [--count N]] [--json]",
                    summary: "Checks that the gateway's ledger only grew since this profile's last audit (RFC 9162 consistency proof); with --entries, recomputes the leaf hashes of the entries this agency may see against the signed head.",
                    options: [("--entries", "fetch ledger entries and recompute their leaves and audit paths"),
                              ("--from N", "with --entries: the first index (0)"), ("--count N", "with --entries: how many, at most 1000 (100)"),
                              ("--json", "the result as JSON")],
                    example: "ura audit --entries --from 0 --count 100", exits: [.verificationFailed, .ioError] + gatewayExits),
        CommandHelp(name: "declare", synopsis: "--case CASE --role ROLE --form A1-FILE [--on DATE] [--id ID] [--json]  < name",
                    summary: "Records a confidentiality declaration (form A1); the declarant's name is read from standard input, never an argument.",
                    options: [("--case CASE", "the case reference"), ("--role ROLE", "interviewer, interpreter, psychologist, guardian, child-protection-worker or other"),
                              ("--form FILE", "the scan of the signed A1 form"), ("--on DATE", "the day it was signed (today)"),
                              ("--id ID", "the declaration's id (new)"), ("--json", "the answer as JSON")],
                    example: "echo \"Arta Hoxha\" | ura declare --case AL-2026-000061 --role interpreter --form a1.pdf",
                    exits: [.rejected, .dataError, .noInput] + gatewayExits),
        CommandHelp(name: "case", synopsis: "CASE [--declarations] [--json]",
                    summary: "(secretariat) The case's timeline — messages, deliveries, deadlines, declarations — metadata only.",
                    options: [("--declarations", "the declarations, names decrypted locally"), ("--json", "the answer as JSON")],
                    example: "ura case AL-2026-000061", exits: [.rejected] + gatewayExits),
        CommandHelp(name: "directory", synopsis: "[--kind KIND] [--json]",
                    summary: "The agencies of the signed directory: id, name, kind, county, delivery (push or pull), receipts (when signed per batch), key ids. The cached copy when the gateway cannot be reached.",
                    options: [("--kind KIND", "only agencies of this kind (police, mission, shelter, …)"), ("--json", "one JSON document per agency")],
                    example: "ura directory --kind secretariat", exits: gatewayExits),
        CommandHelp(name: "types", synopsis: "[--from KIND] [--json]",
                    summary: "The message types of the catalogue: SOP form, title in English and Albanian, which kinds of agency may send it to which, and the deadlines it arms. Needs no profile.",
                    options: [("--from KIND", "only the types agencies of this kind may send"), ("--json", "one JSON document per type")],
                    example: "ura types --from mission", exits: [.usage, .configuration], agency: false),
        CommandHelp(name: "example", synopsis: "TYPE",
                    summary: "A form of TYPE that validates against its schema, to copy and fill in. Needs no profile.",
                    options: [], example: "ura example return.found-abroad > found.json", exits: [.usage, .noInput, .dataError, .configuration], agency: false),
        CommandHelp(name: "keys generate", synopsis: "--out DIR [--agency ID] [--signing EdDSA|ES256] [--json]",
                    summary: "An Ed25519 signing key, an X25519 encryption key and a P-256 TLS key (0600, never overwritten), and keys.json.",
                    options: [("--out DIR", "where to write them"), ("--agency ID", "the agency id to record in keys.json"),
                              ("--signing ALG", "EdDSA (Ed25519, the default) or ES256 (P-256: the gateway checks it faster)"), ("--json", "the result as JSON")],
                    example: "ura keys generate --out keys --agency al.shelter.tjeter-vizion", exits: [.usage, .ioError, .cannotCreate], agency: false),
        CommandHelp(name: "cert request", synopsis: "--agency ID --key DIR/tls.key --out FILE.csr [--json]",
                    summary: "A certificate signing request for the agency's client certificate.",
                    options: [("--agency ID", "the agency id"), ("--key FILE", "the TLS key from `ura keys generate`"), ("--out FILE", "the request to write"), ("--json", "the result as JSON")],
                    example: "ura cert request --agency al.shelter.tjeter-vizion --key keys/tls.key --out agency.csr",
                    exits: [.usage, .noInput, .ioError, .configuration], agency: false),
        CommandHelp(name: "admin init", synopsis: "--data-dir DIR --gateway-id ID --gateway-name NAME --host NAME[,NAME] [--json]",
                    summary: "(operator, once) A new gateway's CA, signing key, TLS certificate and a directory with the gateway alone; prints the gateway key id agencies pin.",
                    options: [("--data-dir DIR", "urad's data directory"), ("--gateway-id ID", "the gateway's id"), ("--gateway-name NAME", "its name"),
                              ("--host NAME[,NAME]", "the DNS names or addresses agencies connect to"), ("--json", "the result as JSON")],
                    example: "ura admin init --data-dir /var/lib/ura --gateway-id al.ura.gateway --gateway-name Ura --host ura.example.al",
                    exits: [.usage, .ioError, .cannotCreate, .configuration], agency: false),
        CommandHelp(name: "admin enrol", synopsis: "--data-dir DIR --csr FILE --kind KIND [--name NAME] --keys DIR/keys.json [options] [--json]",
                    summary: "(operator) Signs the CSR with the gateway's CA and enrols the agency in the directory, or re-enrols it (status and kind kept).",
                    options: [("--data-dir DIR", "urad's data directory"), ("--csr FILE", "the agency's certificate signing request"),
                              ("--kind KIND", "the agency's kind (police, mission, shelter, …)"), ("--name NAME", "its name (required for a new agency)"),
                              ("--keys FILE", "its keys.json"), ("--county C", "its county"), ("--parent ID", "its parent agency"),
                              ("--push-url URL", "push delivery to URL"), ("--pull", "pull delivery (the default for a new agency)"),
                              ("--receipts per_message|per_batch", "accepted receipts signed per message (the default for a new agency) or per commit batch"),
                              ("--revoke-old-certificates", "drop the older certificate pins"), ("--out FILE", "where to write the certificate"),
                              ("--reload", "tell the running urad (SIGHUP)"), ("--json", "the result as JSON")],
                    example: "ura admin enrol --data-dir /var/lib/ura --csr agency.csr --kind shelter --name \"Tjetër Vizion\" --keys keys/keys.json",
                    exits: [.usage, .dataError, .noInput, .unavailable, .ioError, .configuration], agency: false),
        CommandHelp(name: "admin renew-tls", synopsis: "--data-dir DIR --host NAME[,NAME] [--reload] [--json]",
                    summary: "(operator) A new TLS key and certificate for the gateway from its CA; agencies change nothing.",
                    options: [("--data-dir DIR", "urad's data directory"), ("--host NAME[,NAME]", "the names agencies connect to"),
                              ("--reload", "tell the running urad (SIGHUP)"), ("--json", "the result as JSON")],
                    example: "ura admin renew-tls --data-dir /var/lib/ura --host ura.example.al --reload",
                    exits: [.usage, .unavailable, .ioError, .configuration], agency: false),
        CommandHelp(name: "admin login-link", synopsis: "--data-dir DIR [--json]",
                    summary: "(operator, on the gateway host) The dashboard's one-time login link of the urad running on DIR.",
                    options: [("--data-dir DIR", "urad's data directory"), ("--json", "the result as JSON")], example: "ura admin login-link --data-dir ura-data",
                    exits: [.usage, .unavailable, .configuration], agency: false),
        CommandHelp(name: "admin peer card", synopsis: "--data-dir DIR --url URL [--out FILE] [--json]",
                    summary: "(operator) This gateway's peer card for another country's gateway: id, URL, CA, TLS certificate pin and signing keys.",
                    options: [("--data-dir DIR", "urad's data directory"), ("--url URL", "the URL the peer reaches this gateway at"),
                              ("--out FILE", "write the card to FILE (default: print it)"), ("--json", "with --out, the result as JSON (the card is JSON)")],
                    example: "ura admin peer card --data-dir /var/lib/ura --url https://ura.example.al:8443 --out al.card.json",
                    exits: [.usage, .ioError, .configuration], agency: false),
        CommandHelp(name: "admin peer add", synopsis: "--data-dir DIR --card FILE [--url URL] [--reload] [--json]",
                    summary: "(operator) Adds (or updates) a peer gateway from its card: a participant of kind gateway in the directory and its CA in peers/<id>/ca.pem.",
                    options: [("--data-dir DIR", "urad's data directory"), ("--card FILE", "the peer's card (ura admin peer card)"),
                              ("--url URL", "the peer's URL, if not the card's"), ("--reload", "tell the running urad (SIGHUP)"), ("--json", "the result as JSON")],
                    example: "ura admin peer add --data-dir /var/lib/ura --card xk.card.json --reload",
                    exits: [.usage, .dataError, .noInput, .unavailable, .ioError, .configuration], agency: false),
        CommandHelp(name: "admin peer list", synopsis: "--data-dir DIR [--json]",
                    summary: "(operator) The peer gateways in the directory, with their URLs and signing keys.",
                    options: [("--data-dir DIR", "urad's data directory"), ("--json", "the result as JSON")],
                    example: "ura admin peer list --data-dir /var/lib/ura", exits: [.usage, .configuration], agency: false),
        CommandHelp(name: "admin peer remove", synopsis: "--data-dir DIR --peer ID [--reload] [--json]",
                    summary: "(operator) Removes a peer gateway: its participant, its CA and its last directory; its agencies leave with the next reload.",
                    options: [("--data-dir DIR", "urad's data directory"), ("--peer ID", "the peer gateway's id"),
                              ("--reload", "tell the running urad (SIGHUP)"), ("--json", "the result as JSON")],
                    example: "ura admin peer remove --data-dir /var/lib/ura --peer xk.ura.gateway --reload",
                    exits: [.usage, .unavailable, .ioError, .configuration], agency: false),
        CommandHelp(name: "completion bash", synopsis: "",
                    summary: "A bash completion script for ura, made from this command table: `source <(ura completion bash)`.",
                    options: [], example: "ura completion bash > ~/.local/share/bash-completion/completions/ura", exits: [.usage], agency: false),
        CommandHelp(name: "desk", synopsis: "[--port N] [--open] [--json]",
                    summary: "The SOP's forms in a browser: serves this agency's client as a local web page on 127.0.0.1 only and prints one line, `desk: http://127.0.0.1:PORT/?token=TOKEN`, a login link that works once. Compose (forms drawn from the schemas, validated, recipients from the routing rules), outbox (sent by itself with backoff), inbox (verified, decrypted, kept, then acknowledged; print view), receipts, case, declaration A1. Runs until stopped (Ctrl-C).",
                    options: [("--port N", "listen on port N (default: one the system picks)"), ("--open", "open the link in the browser (xdg-open)"),
                              ("--json", "the one line as JSON: {\"desk\": LINK, \"port\": N}")],
                    example: "ura --profile mission.json desk --open", exits: [.usage, .unavailable, .ioError, .configuration]),
    ]

    /// The command `arguments` start with: the longest name that matches ("admin login-link" before "admin").
    static func command(for arguments: [String]) -> CommandHelp? {
        all.filter { Array(arguments.prefix($0.words.count)) == $0.words }.max { $0.words.count < $1.words.count }
    }

    /// The commands under a group word ("admin" → init, enrol, renew-tls, login-link).
    static func group(_ word: String) -> [CommandHelp] { all.filter { $0.words.count > 1 && $0.words[0] == word } }

    static var usage: String {
        var lines = ["usage: ura [--profile FILE] [--gateway URL] [--schemas DIR] <command> [options]", "",
                     "Agency commands (need a profile: --profile FILE or $URA_PROFILE):"]
        let width = max(18, (all.map(\.name.count).max() ?? 0) + 2)
        func line(_ c: CommandHelp) -> String { "  " + c.name.padding(toLength: width, withPad: " ", startingAt: 0) + firstSentence(c.summary) }
        lines += all.filter(\.agency).map(line)
        lines += ["", "Keys, enrolment and the gateway's operator:"]
        lines += all.filter { !$0.agency }.map(line)
        lines += ["", "`ura COMMAND --help` for a command's options, an example and its exit codes; --version.", "", "exit codes:"]
        lines += ExitCode.allCases.map { "  \(String($0.rawValue).padding(toLength: 3, withPad: " ", startingAt: 0)) \($0.meaning)" }
        return lines.joined(separator: "\n")
    }

    static func firstSentence(_ text: String) -> String {
        guard let end = text.range(of: ". ") else { return text }
        return String(text[..<end.lowerBound]) + "."
    }

    /// A bash completion script: commands, subcommands and each one's options.
    static var bashCompletion: String {
        let groups = Set(all.filter { $0.words.count > 1 }.map { $0.words[0] }).sorted()
        let top = Set(all.map { $0.words[0] }).sorted().joined(separator: " ")
        var cases = ["        \"\") opts=\"\(top) --profile --gateway --schemas --help --version\" ;;"]
        cases += groups.map { g in "        \"\(g)\") opts=\"\(group(g).map { $0.words[1] }.joined(separator: " "))\" ;;" }
        cases += all.map { c in "        \"\(c.name)\") opts=\"\((c.flags + ["--help"]).joined(separator: " "))\" ;;" }
        return """
        # bash completion for ura, made by `ura completion bash` from its command table
        _ura() {
            local cur="${COMP_WORDS[COMP_CWORD]}" words=() i w cmd opts=""
            for ((i = 1; i < COMP_CWORD; i++)); do
                w="${COMP_WORDS[i]}"
                case "$w" in
                    --profile|--gateway|--schemas) ((i++)) ;;
                    -*) ;;
                    *) words+=("$w") ;;
                esac
            done
            cmd="${words[0]:-}"
            case "$cmd" in
                \(groups.joined(separator: "|"))) [[ ${#words[@]} -ge 2 ]] && cmd="$cmd ${words[1]}" ;;
            esac
            case "$cmd" in
        \(cases.joined(separator: "\n"))
            esac
            COMPREPLY=($(compgen -W "$opts" -- "$cur"))
        }
        complete -o default -F _ura ura
        """
    }
}

extension ExitCode {
    /// What the code means, as `docs/cli.md` says.
    var meaning: String {
        switch self {
        case .success: "done"
        case .rejected: "refused by the gateway (send, outbox: the message was moved to rejected/)"
        case .verificationFailed: "verification failed (a signature, digest or schema does not check out)"
        case .usage: "usage: an unknown command or option, a missing or malformed argument"
        case .dataError: "bad input: a form or file that is not JSON or not valid for its type"
        case .noInput: "a file to read does not exist"
        case .unavailable: "the gateway cannot be reached or is busy (send, outbox: kept in the outbox)"
        case .software: "a bug in ura: please report it"
        case .cannotCreate: "a file to create exists already; nothing was changed"
        case .ioError: "reading or writing a local file or standard output failed (inbox: that message not acknowledged)"
        case .temporaryFailure: "send: nothing was sent or kept; try again later"
        case .protocolError: "the gateway answered something that does not check out"
        case .permission: "not permitted: certificate refused, agency suspended, or not allowed to this agency"
        case .configuration: "configuration: the profile, a key, a certificate or the CA file is missing or cannot be used"
        }
    }
}
