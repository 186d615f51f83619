// Test helpers shared by the suites (eventually, ChildProcess) are visible in every file of this target.
@_exported import UraTestSupport
