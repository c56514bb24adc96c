import Testing
@testable import VigilAlerting
import VigilStats

@Suite struct NotifierRFC3339Tests {
    @Test(arguments: [
        (0, "1970-01-01T00:00:00.000Z"),
        (-1, "1969-12-31T23:59:59.999Z"),
        (DeliveryFixture.startsAtMillis, DeliveryFixture.startsAtText),
        (DeliveryFixture.endsAtMillis, DeliveryFixture.endsAtText),
        (951_782_400_000, "2000-02-29T00:00:00.000Z"),
        (4_107_542_399_999, "2100-02-28T23:59:59.999Z"),
        (253_402_300_799_999, "9999-12-31T23:59:59.999Z"),
    ] as [(Int64, String)])
    func formatsUTCWithMilliseconds(millis: Int64, text: String) throws {
        #expect(RFC3339.string(millis: millis) == text)
        #expect(try epochMillis(text) == millis)
    }
}

@Suite struct NotifierEndpointTests {
    @Test(arguments: [
        ("https://user:pw@hooks.slack.com/services/T0/B1/XYZ", "https://hooks.slack.com"),
        ("http://127.0.0.1:9093/", "http://127.0.0.1:9093"),
        ("http://alertmanager:9093", "http://alertmanager:9093"),
        ("http://h?token=1", "http://h"),
        ("http://h#frag", "http://h"),
        ("not a url", "<invalid url>"),
    ])
    func logsOnlySchemeHostAndPort(url: String, endpoint: String) {
        #expect(redactedEndpoint(url) == endpoint)
    }

    @Test(arguments: [
        ("http://own/url", "http://vigil:9877", "http://own/url"),
        ("", "http://vigil:9877", "http://vigil:9877/api/v1/windows/fraud"),
        ("", "http://vigil:9877//", "http://vigil:9877/api/v1/windows/fraud"),
        ("", "", ""),
    ])
    func generatorURLPrefersTheAlertsOwn(own: String, agentURL: String, expected: String) {
        #expect(generatorURL(for: DeliveryFixture.alert(generatorURL: own), agentURL: agentURL) == expected)
    }
}
