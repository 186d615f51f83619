import Foundation
import UraGateway
#if canImport(Glibc)
import Glibc
#endif

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--version") {
    print("urad \(UraGateway.version)")
    exit(0)
}
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
    usage: urad [--config FILE] [--data-dir DIR] [--check-config] [--version]

    The Ura gateway daemon. Without --config it runs in demo mode on an embedded SQLite store.
    """)
    exit(0)
}
FileHandle.standardError.write(Data("urad: not implemented yet\n".utf8))
exit(2)
