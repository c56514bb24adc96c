/// RFC 3339 timestamps in UTC from Unix epoch milliseconds (report times, alert payloads).
/// Pure arithmetic on the proleptic Gregorian calendar: no formatter, locale, time zone or clock.
package enum RFC3339 {
    /// `0001-01-01T00:00:00Z`: Go's zero time, what Alertmanager puts in a firing alert's
    /// `endsAt` in webhook bodies.
    package static let zeroTime = "0001-01-01T00:00:00Z"

    /// `2026-11-28T10:00:00Z`, with `.250` milliseconds only when the time is not a whole second.
    package static func format(millis: Int64) -> String { format(millis: millis, alwaysMilliseconds: false) }

    /// `2026-11-28T10:00:00.000Z`: always three fraction digits (Alertmanager, PagerDuty).
    package static func string(millis: Int64) -> String { format(millis: millis, alwaysMilliseconds: true) }

    static func format(millis: Int64, alwaysMilliseconds: Bool) -> String {
        let (days, millisOfDay) = floorDivision(millis, 86_400_000)
        let (year, month, day) = civil(fromDays: days)
        let seconds = millisOfDay / 1000
        var text = pad(year, 4) + "-" + pad(month, 2) + "-" + pad(day, 2)
            + "T" + pad(seconds / 3600, 2) + ":" + pad(seconds / 60 % 60, 2) + ":" + pad(seconds % 60, 2)
        if alwaysMilliseconds || millisOfDay % 1000 != 0 { text += "." + pad(millisOfDay % 1000, 3) }
        return text + "Z"
    }

    private static func floorDivision(_ a: Int64, _ b: Int64) -> (quotient: Int64, remainder: Int64) {
        let q = a / b, r = a % b
        return r < 0 ? (q - 1, r + b) : (q, r)
    }

    /// Howard Hinnant's `civil_from_days`: days since 1970-01-01 to (year, month, day).
    private static func civil(fromDays days: Int64) -> (Int64, Int64, Int64) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }
}
