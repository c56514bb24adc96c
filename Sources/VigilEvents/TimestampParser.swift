/// Event times (SPEC §3 `ts`) to Unix epoch milliseconds, without Foundation.
package enum TimestampParser {
    /// 0000-01-01T00:00:00.000Z, the earliest time RFC 3339 can write.
    package static let minimumMillis: Int64 = -62_167_219_200_000
    /// 9999-12-31T23:59:59.999Z, the latest time RFC 3339 can write.
    package static let maximumMillis: Int64 = 253_402_300_799_999

    /// A numeric `ts` (epoch milliseconds, possibly fractional) floored to whole milliseconds; nil
    /// when it is not finite or outside `minimumMillis...maximumMillis`.
    package static func epochMillis(number: Double) -> Int64? {
        let floored = number.rounded(.down)
        guard floored >= Double(minimumMillis), floored <= Double(maximumMillis) else { return nil }  // false for NaN
        return Int64(floored)
    }

    /// An RFC 3339 `date-time` (`2026-05-11T11:30:00.250Z`, `2026-05-11T13:30:00+02:00`) in epoch
    /// milliseconds; nil when it is not one.
    ///
    /// Accepts `T`, `t` or a space between date and time, `Z` or `z`, and any number of fraction
    /// digits (digits beyond milliseconds are dropped, which floors the time). Rejects what RFC 3339
    /// does (month 13, February 30, hour 24, a missing offset) and leap seconds (`:60`), as Python's
    /// `datetime` does.
    package static func epochMillis(rfc3339 text: UnsafeRawBufferPointer) -> Int64? {
        let count = text.count
        guard count >= 20 else { return nil }
        func digit(_ index: Int) -> Int? {
            let value = Int(text[index]) &- 48
            return value >= 0 && value <= 9 ? value : nil
        }
        func number(_ index: Int, _ width: Int) -> Int? {
            var value = 0
            for i in index..<(index + width) {
                guard let d = digit(i) else { return nil }
                value = value * 10 + d
            }
            return value
        }
        guard let year = number(0, 4), text[4] == UInt8(ascii: "-"),
              let month = number(5, 2), text[7] == UInt8(ascii: "-"),
              let day = number(8, 2),
              text[10] == UInt8(ascii: "T") || text[10] == UInt8(ascii: "t") || text[10] == UInt8(ascii: " "),
              let hour = number(11, 2), text[13] == UInt8(ascii: ":"),
              let minute = number(14, 2), text[16] == UInt8(ascii: ":"),
              let second = number(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
              hour <= 23, minute <= 59, second <= 59
        else { return nil }

        var index = 19
        var millis = 0
        if text[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < count, let d = digit(index) {
                if index - fractionStart < 3 { millis = millis * 10 + d }
                index += 1
            }
            let fractionDigits = index - fractionStart
            guard fractionDigits > 0 else { return nil }
            for _ in fractionDigits..<max(fractionDigits, 3) { millis *= 10 }
        }

        guard index < count else { return nil }
        var offsetSeconds = 0
        switch text[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard count - index == 6, let offsetHour = number(index + 1, 2), text[index + 3] == UInt8(ascii: ":"),
                  let offsetMinute = number(index + 4, 2), offsetHour <= 23, offsetMinute <= 59
            else { return nil }
            offsetSeconds = (offsetHour * 3600 + offsetMinute * 60) * (text[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        default:
            return nil
        }
        guard index == count else { return nil }

        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + second - offsetSeconds
        return Int64(seconds) * 1000 + Int64(millis)
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
    package static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400                                              // [0, 399]
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1 // [0, 365]
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear  // [0, 146096]
        return era * 146_097 + dayOfEra - 719_468
    }

    static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
