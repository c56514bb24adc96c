import Testing
@testable import VigilExposition

@Suite struct ContentNegotiationTests {
    @Test(arguments: [
        (nil, ExpositionFormat.prometheus),
        ("", .prometheus),
        ("*/*", .prometheus),
        ("text/plain", .prometheus),
        ("application/openmetrics-text", .openMetrics),
        ("application/openmetrics-text; version=1.0.0; charset=utf-8", .openMetrics),
        // Prometheus 2.x scrape header.
        ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1", .openMetrics),
        // Prometheus 3 with escaping parameters.
        ("application/openmetrics-text;version=1.0.0;escaping=allow-utf-8;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.2", .openMetrics),
        ("text/plain;q=0.9, application/openmetrics-text;q=0.5", .prometheus),
        ("application/openmetrics-text;q=0, text/plain", .prometheus),
        ("application/openmetrics-text;version=2.0.0", .prometheus),
        ("application/json", .prometheus),
        ("APPLICATION/OpenMetrics-Text", .openMetrics),
    ] as [(String?, ExpositionFormat)])
    func format(accept: String?, expected: ExpositionFormat) {
        #expect(ContentNegotiation.format(accept: accept) == expected)
    }

    @Test(arguments: [
        (nil, false), ("", false), ("gzip", true), ("gzip, deflate, br", true), ("deflate", false),
        ("gzip;q=0", false), ("gzip; q=0.0", false), ("*", true), ("*;q=0", false), ("gzip;q=0, *", false),
        ("identity", false), ("x-gzip", true), ("GZIP;q=0.5", true),
    ] as [(String?, Bool)])
    func gzip(acceptEncoding: String?, expected: Bool) {
        #expect(ContentNegotiation.acceptsGzip(acceptEncoding) == expected)
    }
}
