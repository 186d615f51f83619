import Testing
@testable import UraSchema

@Test func moduleLoads() {}
