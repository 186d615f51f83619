import Testing
@testable import UraStore

@Test func moduleLoads() {}
