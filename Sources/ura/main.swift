// ura: the command line of the Ura gateway for agencies, missions and operators. See `ura --help`
// and docs/cli.md.
import Foundation
import UraGateway

let code = await UraCLI.run(Array(CommandLine.arguments.dropFirst()))
exit(code)
