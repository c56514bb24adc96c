/// How numbers are written in the exposition formats.
package enum MetricNumber {
    /// A sample value: `NaN`, `+Inf`, `-Inf`; integral values up to 2^53 as plain integers
    /// (`1764300000`, not `1.7643e+09`); anything else as the shortest string that round-trips.
    package static func sampleValue(_ value: Double) -> String {
        var bytes: [UInt8] = []
        appendSampleValue(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A number used as a label value (`le`, `quantile`): Go's `%g` shortest rendering, which both
    /// Prometheus client libraries and the OpenMetrics "canonical numbers" rule use (`0.005`, `1e-05`,
    /// `100000`, `1e+06`). OpenMetrics (`openMetrics: true`) adds `.0` when there is no `.` or exponent
    /// (`1.0`, `100000.0`). `+Inf` for positive infinity.
    package static func labelValue(_ value: Double, openMetrics: Bool = false) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value < 0 ? "-Inf" : "+Inf" }
        var (digits, pointPosition) = decimalDigits(of: value)
        var out = value.sign == .minus && value != 0 ? "-" : ""
        if digits.isEmpty {  // zero
            digits = [UInt8(ascii: "0")]
            pointPosition = 1
        }
        let exponent = pointPosition - 1
        if exponent < -4 || exponent >= 6 {
            out.unicodeScalars.append(Unicode.Scalar(digits[0]))
            if digits.count > 1 {
                out += "." + String(decoding: digits[1...], as: UTF8.self)
            }
            out += exponent < 0 ? "e-" : "e+"
            let magnitude = abs(exponent)
            out += magnitude < 10 ? "0\(magnitude)" : "\(magnitude)"
            return out
        }
        if pointPosition <= 0 {
            out += "0." + String(repeating: "0", count: -pointPosition) + String(decoding: digits, as: UTF8.self)
        } else if digits.count <= pointPosition {
            out += String(decoding: digits, as: UTF8.self) + String(repeating: "0", count: pointPosition - digits.count)
            if openMetrics { out += ".0" }
        } else {
            out += String(decoding: digits[..<pointPosition], as: UTF8.self) + "."
                + String(decoding: digits[pointPosition...], as: UTF8.self)
        }
        return out
    }

    /// Appends `sampleValue(value)` without building a `String` for integral values.
    static func appendSampleValue(_ value: Double, to bytes: inout [UInt8]) {
        if value.isNaN {
            bytes.append(contentsOf: "NaN".utf8)
        } else if value.isInfinite {
            bytes.append(contentsOf: (value < 0 ? "-Inf" : "+Inf").utf8)
        } else if value.rounded(.towardZero) == value, abs(value) <= 9_007_199_254_740_992 {
            appendInteger(Int64(value), to: &bytes)
        } else {
            bytes.append(contentsOf: value.description.utf8)
        }
    }

    static func appendInteger(_ value: Int64, to bytes: inout [UInt8]) {
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendInteger(value.magnitude, to: &bytes)
    }

    static func appendInteger(_ value: UInt64, to bytes: inout [UInt8]) {
        if value < 10 {
            bytes.append(UInt8(ascii: "0") &+ UInt8(value))
            return
        }
        var scratch: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes ≥ 20 digits
        withUnsafeMutableBytes(of: &scratch) { buffer in
            var v = value, i = buffer.count
            while v > 0 {
                i -= 1
                buffer[i] = UInt8(ascii: "0") &+ UInt8(v % 10)
                v /= 10
            }
            bytes.append(contentsOf: buffer[i...])
        }
    }

    /// The shortest round-trip decimal digits of |value| (no leading or trailing zeros) and the position
    /// of the decimal point: |value| = 0.d₁d₂…dₙ × 10^pointPosition. Zero gives no digits.
    private static func decimalDigits(of value: Double) -> (digits: [UInt8], pointPosition: Int) {
        // Swift's description is the shortest round-trip form, e.g. "1.5e-07", "0.001", "123.0".
        let text = Array(abs(value).description.utf8)
        var mantissa = text[...], exponent = 0
        if let e = text.firstIndex(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
            mantissa = text[..<e]
            exponent = Int(String(decoding: text[(e + 1)...], as: UTF8.self)) ?? 0
        }
        var digits: [UInt8] = []
        var pointPosition = 0, seenPoint = false
        for byte in mantissa {
            if byte == UInt8(ascii: ".") {
                seenPoint = true
                continue
            }
            if digits.isEmpty && byte == UInt8(ascii: "0") {
                if seenPoint { pointPosition -= 1 }  // leading zeros after the point
                continue
            }
            digits.append(byte)
            if !seenPoint { pointPosition += 1 }
        }
        while digits.last == UInt8(ascii: "0") { digits.removeLast() }
        return (digits, digits.isEmpty ? 0 : pointPosition + exponent)
    }
}
