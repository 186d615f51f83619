// Test helpers shared by the suites (eventually, ChildProcess) are visible in every file of this target.
import UraHTTPClient
import UraHTTPCore
import UraHTTPServer

@_exported import UraTestSupport
