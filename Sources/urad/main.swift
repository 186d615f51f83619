// urad: the Ura gateway daemon.
//
//   urad [--config FILE] [--data-dir DIR] [--demo] [--check-config] [--version]
//
// Without --config it runs in demo mode on ./ura-data (or --data-dir): on first run it creates a
// local CA, the gateway's keys and a demo directory of agencies with their keys and certificates,
// and prints how to use them. SIGTERM/SIGINT stop it gracefully (in-flight commits finish);
// SIGHUP reloads the directory file and the TLS files. One urad per data directory: it locks run/urad.lock first.
import Foundation
import UraCrypto
import UraDaemon

// urad exits right after its stop; OpenSSL must outlive whatever another thread still does then.
OpenSSLProcess.keepStateUntilExit()
let signalSources = URADCommand.run(Array(CommandLine.arguments.dropFirst()))
withExtendedLifetime(signalSources) { dispatchMain() }
