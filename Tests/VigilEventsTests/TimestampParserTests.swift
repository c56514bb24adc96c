import Testing
import VigilEvents

@Suite struct TimestampParserTests {
    static func parse(_ text: String) -> Int64? {
        Array(text.utf8).withUnsafeBytes { TimestampParser.epochMillis(rfc3339: $0) }
    }

    // Expected values computed with GNU date: `date -u -d TEXT +%s%3N` (for times before 1970,
    // `+%s` and `+%3N` separately: seconds × 1000 + milliseconds).
    @Test(arguments: [
        ("2026-05-11T11:30:00.250Z", 1_778_499_000_250 as Int64),
        ("2026-05-11T13:30:00.250+02:00", 1_778_499_000_250),
        ("2026-05-11T06:00:00-05:30", 1_778_499_000_000),
        ("2026-05-11T00:30:00+23:59", 1_778_373_060_000),
        ("2026-05-11t11:30:00.123456789z", 1_778_499_000_123),
        ("2026-05-11 11:30:00.123Z", 1_778_499_000_123),
        ("2026-05-11T11:30:00.9999Z", 1_778_499_000_999),
        ("1970-01-01T00:00:00Z", 0),
        ("1970-01-01T00:00:00.000+00:00", 0),
        ("1969-12-31T23:59:59.999Z", -1),
        ("2024-02-29T12:00:00Z", 1_709_208_000_000),
        ("2000-02-29T00:00:00.1Z", 951_782_400_100),
        ("1900-03-01T00:00:00Z", -2_203_891_200_000),
        ("0000-01-01T00:00:00Z", -62_167_219_200_000),
        ("9999-12-31T23:59:59.999Z", 253_402_300_799_999),
    ])
    func parsesRFC3339(text: String, millis: Int64) {
        #expect(Self.parse(text) == millis)
    }

    @Test(arguments: [
        "2026-13-01T00:00:00Z", "2026-00-01T00:00:00Z", "2026-02-29T00:00:00Z", "1900-02-29T00:00:00Z",
        "2026-04-31T00:00:00Z", "2026-05-00T00:00:00Z", "2026-05-11T24:00:00Z", "2026-05-11T11:60:00Z",
        "2026-05-11T11:30:60Z", "2026-05-11T11:30:00", "2026-05-11T11:30:00.Z", "2026-05-11T11:30:00+2:00",
        "2026-05-11T11:30:00+02:60", "2026-05-11T11:30:00+24:00", "2026-05-11T11:30:00+0200", "2026-05-11",
        "not-a-time", "2026-05-11T11:30:00Zjunk", " 2026-05-11T11:30:00Z", "2026-05-11X11:30:00Z",
        "2026/05/11T11:30:00Z", "+2026-05-11T11:30:00Z", "2026-05-11T11:30:00.25", "２026-05-11T11:30:00Z", "",
    ])
    func rejectsWhatIsNotRFC3339(text: String) {
        #expect(Self.parse(text) == nil)
    }

    @Test(arguments: [
        (1_778_486_400_000.0, 1_778_486_400_000 as Int64?), (1.9, 1), (-1.5, -2), (0, 0), (-0.0, 0),
        (253_402_300_799_999.5, 253_402_300_799_999), (253_402_300_800_000, nil), (-62_167_219_200_001, nil),
        (.nan, nil), (.infinity, nil), (-.infinity, nil), (1e300, nil),
    ])
    func floorsNumericMillisWithinRange(number: Double, millis: Int64?) {
        #expect(TimestampParser.epochMillis(number: number) == millis)
    }

    @Test(arguments: [(1970, 1, 1, 0), (2000, 3, 1, 11_017), (1969, 12, 31, -1), (0, 3, 1, -719_468), (2026, 5, 11, 20_584)])
    func daysFromCivil(year: Int, month: Int, day: Int, days: Int) {
        // 2026-05-11: `date -u -d 2026-05-11 +%s` / 86400 = 20584.
        #expect(TimestampParser.daysFromCivil(year: year, month: month, day: day) == days)
    }
}
