import Testing
@testable import UraHTTP

@Test func moduleLoads() {}
