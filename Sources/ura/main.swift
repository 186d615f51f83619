// ura: the command line of the Ura gateway for agencies, missions and operators. See `ura --help`
// and docs/cli.md.
import Foundation
import Glibc
import UraCLI
import UraCrypto
#if canImport(Glibc)
#endif

// A closed pipe (`ura inbox | head -3`) must be a write error ura reports and acts on (a message it
// could not write is not acknowledged), not a signal that ends it between two steps.
signal(SIGPIPE, SIG_IGN)
// ura exits as soon as its command returns; OpenSSL must outlive what other threads still do then.
OpenSSLProcess.keepStateUntilExit()
let code = await UraCLI.run(Array(CommandLine.arguments.dropFirst()))
exit(code)
