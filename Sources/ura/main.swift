import Foundation
import UraGateway
#if canImport(Glibc)
import Glibc
#endif

let usage = """
usage: ura <command> [options]

Commands:
  keys generate      create an agency's signing and encryption keys
  send               sign, encrypt and submit a form
  inbox              fetch, verify, decrypt and acknowledge messages
  receipts           list receipts for the messages you sent
  status ID          show a message's delivery state
  verify FILE        check a signed message or receipt offline
  --version          print the version
"""
let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.first == "--version" {
    print("ura \(UraGateway.version)")
    exit(0)
}
if arguments.isEmpty || arguments.first == "--help" || arguments.first == "-h" || arguments.first == "help" {
    print(usage)
    exit(0)
}
FileHandle.standardError.write(Data("ura: unknown command '\(arguments[0])'\n\n\(usage)\n".utf8))
exit(64)
