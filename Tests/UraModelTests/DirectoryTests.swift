import Foundation
import Testing
import UraJSON
import UraModel
import UraTestTraits

@Suite(.offThePool) struct DirectoryTests {
    static let text = """
    {"version":1,"issued":"2026-11-23T00:00:00Z",
     "gateway":{"id":"al.ura.gateway","name":"Ura","keys":[]},
     "agencies":[
      {"id":"al.mpb.secretariat","kind":"secretariat","name":"Technical Secretariat","county":"tirane",
       "keys":[{"kid":"k1","use":"sig","jwk":{"kty":"OKP","crv":"Ed25519","x":"AAAA"},"not_after":"2027-01-01T00:00:00Z"}],
       "certificates":[{"sha256":"\(String(repeating: "ab", count: 32))"}],"delivery":{"mode":"pull"}},
      {"id":"al.shelter.qkpvt","kind":"shelter","name":"QKPVT","delivery":{"mode":"push","url":"https://qkpvt.example/ura"}}
     ]}
    """

    @Test func decodesAndLooksUp() throws {
        let directory = try JSONDecoder().decode(Directory.self, from: Data(Self.text.utf8))
        let secretariat = try #require(directory[AgencyID("al.mpb.secretariat")])
        #expect(secretariat.kind == .secretariat)
        #expect(try secretariat.keys(for: .sig, validAt: #require(RFC3339.date(from: "2026-12-01T00:00:00Z"))).count == 1)
        #expect(secretariat.keys(for: .sig, validAt: RFC3339.date(from: "2027-01-01T00:00:00Z")!).isEmpty)
        #expect(try directory[AgencyID("al.shelter.qkpvt")]?.delivery == .push(url: "https://qkpvt.example/ura"))
        #expect(directory.agencies(ofKind: .shelter).count == 1)
    }

    @Test func rejectsDuplicateIDs() throws {
        let doubled = Self.text.replacingOccurrences(of: "al.shelter.qkpvt", with: "al.mpb.secretariat")
        #expect { try JSONDecoder().decode(Directory.self, from: Data(doubled.utf8)) } throws: {
            ModelError.describe($0).contains("al.mpb.secretariat appears twice")
        }
    }

    @Test func rejectsPrivateKeysAndPlainHTTP() throws {
        let privateKey = Self.text.replacingOccurrences(of: #""x":"AAAA""#, with: #""x":"AAAA","d":"BBBB""#)
        #expect { try JSONDecoder().decode(Directory.self, from: Data(privateKey.utf8)) } throws: {
            ModelError.describe($0).contains("agencies[0].keys[0].jwk: is a private key")
        }
        let plain = Self.text.replacingOccurrences(of: "https://qkpvt", with: "http://qkpvt")
        #expect { try JSONDecoder().decode(Directory.self, from: Data(plain.utf8)) } throws: {
            ModelError.describe($0).contains("agencies[1].delivery.url: a push endpoint must be an https:// URL")
        }
    }

    @Test func receiptsNeedAWellFormedDigest() throws {
        let good = #"{"receipt":"delivered","message":"0193b3c4-7d2e-4f6a-9b1c-2d3e4f5a6b7c","digest":"\#(String(repeating: "A", count: 43))","recipient":"al.mepj","at":"2026-11-23T09:15:00Z","by":"al.mepj"}"#
        let receipt = try JSONDecoder().decode(Receipt.self, from: Data(good.utf8))
        #expect(receipt.kind == .delivered)
        let bad = good.replacingOccurrences(of: String(repeating: "A", count: 43), with: "short")
        #expect { try JSONDecoder().decode(Receipt.self, from: Data(bad.utf8)) } throws: {
            ModelError.describe($0).hasPrefix("digest:")
        }
        let noRecipient = good.replacingOccurrences(of: #""recipient":"al.mepj","#, with: "")
        #expect { try JSONDecoder().decode(Receipt.self, from: Data(noRecipient.utf8)) } throws: {
            ModelError.describe($0).contains("names its recipient")
        }
    }
}
