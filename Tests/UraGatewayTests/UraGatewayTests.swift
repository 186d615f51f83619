import Testing
@testable import UraGateway

@Test func moduleLoads() {}
