import Testing
@testable import UraCrypto

@Test func moduleLoads() {}
