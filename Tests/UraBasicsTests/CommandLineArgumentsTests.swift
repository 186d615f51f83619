import Testing
import UraBasics
import UraTestTraits

@Suite(.offThePool) struct CommandLineArgumentsTests {
    @Test func parsesPositionalsOptionsAndFlags() throws {
        let args = try CommandLineArguments(["send", "--to", "a.b", "form.json", "--to=c.d", "--json", "--", "--literal"],
                                            options: ["to"], flags: ["json"])
        #expect(args.positionals == ["send", "form.json", "--literal"])
        #expect(args.options("to") == ["a.b", "c.d"])
        #expect(args.flag("json"))
        #expect(!args.flag("verbose"))
    }

    @Test func typosAreErrorsThatListTheOptions() {
        #expect { try CommandLineArguments(["--jsno"], options: ["to"], flags: ["json"]) } throws: {
            "\($0)" == "unknown option --jsno (options: --json, --to)"
        }
        #expect { try CommandLineArguments(["--to"], options: ["to"], flags: []) } throws: { "\($0)" == "--to needs a value" }
        #expect { try CommandLineArguments(["--json=yes"], options: [], flags: ["json"]) } throws: {
            "\($0)" == "--json does not take a value"
        }
    }

    @Test func numbersAreChecked() throws {
        let args = try CommandLineArguments(["--wait", "soon"], options: ["wait"], flags: [])
        #expect { try args.intOption("wait", default: 30) } throws: { "\($0)" == "--wait must be a whole number, not 'soon'" }
        #expect(try CommandLineArguments([], options: ["wait"], flags: []).intOption("wait", default: 30) == 30)
    }
}
