/// Formats Unix epoch milliseconds as RFC 3339 UTC (`2026-11-28T10:00:00Z`, with
/// `.250` milliseconds only when not whole seconds). Proleptic Gregorian calendar.
enum RFC3339 {
    static func format(millis: Int64) -> String {
        let seconds = floorDiv(millis, 1000)
        let ms = millis - seconds * 1000
        let days = floorDiv(seconds, 86_400)
        let secondOfDay = seconds - days * 86_400
        let (year, month, day) = civil(fromDays: days)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        var text = "\(year)-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay % 3600 / 60)):\(two(secondOfDay % 60))"
        if ms != 0 {
            text += "." + String(String(ms + 1000).dropFirst())
        }
        return text + "Z"
    }

    /// Howard Hinnant's civil_from_days.
    static func civil(fromDays z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719_468
        let era = floorDiv(z, 146_097)
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
