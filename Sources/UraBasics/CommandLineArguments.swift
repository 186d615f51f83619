/// The arguments of one `ura` or `urad` command: positionals, `--flag`, `--option value` and
/// `--option=value`. Every option a command reads is declared, so a typo is an error, not silence.

public struct CommandLineArguments: Sendable {
    public private(set) var positionals: [String] = []
    private var options: [String: [String]] = [:]
    private var flags: Set<String> = []

    /// Parses `arguments` given the options that take a value and the flags that do not.
    public init(_ arguments: [String], options valued: Set<String>, flags known: Set<String>) throws(UsageError) {
        var i = 0
        var onlyPositionals = false
        while i < arguments.count {
            let argument = arguments[i]
            i += 1
            if onlyPositionals || !argument.hasPrefix("--") || argument == "-" {
                positionals.append(argument)
                continue
            }
            if argument == "--" { onlyPositionals = true; continue }
            var name = String(argument.dropFirst(2))
            var value: String?
            if let equals = name.firstIndex(of: "=") {
                value = String(name[name.index(after: equals)...])
                name = String(name[..<equals])
            }
            if valued.contains(name) {
                if value == nil {
                    guard i < arguments.count else { throw UsageError("--\(name) needs a value") }
                    value = arguments[i]
                    i += 1
                }
                options[name, default: []].append(value!)
            } else if known.contains(name) {
                guard value == nil else { throw UsageError("--\(name) does not take a value") }
                flags.insert(name)
            } else {
                let all = (valued.union(known)).sorted().map { "--\($0)" }.joined(separator: ", ")
                throw UsageError("unknown option --\(name)" + (all.isEmpty ? "" : " (options: \(all))"))
            }
        }
    }

    public func flag(_ name: String) -> Bool { flags.contains(name) }
    public func option(_ name: String) -> String? { options[name]?.last }
    public func options(_ name: String) -> [String] { options[name] ?? [] }

    public func requiredOption(_ name: String) throws(UsageError) -> String {
        guard let value = option(name) else { throw UsageError("--\(name) is required") }
        return value
    }

    public func intOption(_ name: String, default fallback: Int) throws(UsageError) -> Int {
        guard let text = option(name) else { return fallback }
        guard let value = Int(text) else { throw UsageError("--\(name) must be a whole number, not '\(text)'") }
        return value
    }

    public func positional(_ index: Int, _ what: String) throws(UsageError) -> String {
        guard index < positionals.count else { throw UsageError("missing \(what)") }
        return positionals[index]
    }
}

/// A mistake in how a command was typed; exits with `ExitCode.usage`.
public struct UsageError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
