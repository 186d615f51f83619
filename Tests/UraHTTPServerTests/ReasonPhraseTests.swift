import Testing
@testable import UraHTTPCore
import UraTestTraits

/// The redirects the dashboard and the desk answer with say what they are on the status line
/// (people read it in logs and in `curl -i`).
@Suite(.offThePool) struct ReasonPhraseTests {
    @Test(arguments: [(303, "See Other"), (307, "Temporary Redirect"), (308, "Permanent Redirect"), (428, "Precondition Required"),
                      (200, "OK"), (503, "Service Unavailable")])
    func statusesHaveTheirPhrases(_ status: Int, _ phrase: String) {
        #expect(HTTPStatus.reasonPhrase(status) == phrase)
    }
}
