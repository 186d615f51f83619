// Test helpers shared by the suites (eventually, ChildProcess) are visible in every file of this target.
import UraCLI
import UraClient
import UraDaemon
import UraGatewayAPI
import UraGatewayCore
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer
import UraProtocol
import UraProvisioning
import UraStoreSQLite

@_exported import UraTestSupport
