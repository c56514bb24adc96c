/// A small streaming JSON writer that keeps key order (SPEC §7 lists keys in a
/// reading order) and writes `null` for absent or non-finite numbers, never NaN.
struct JSONWriter {
    private(set) var bytes: [UInt8] = []
    private var needsComma: [Bool] = [false]
    private let indentUnit: Int
    private let pretty: Bool

    init(pretty: Bool = false, indent: Int = 2) {
        self.pretty = pretty
        indentUnit = indent
    }

    var string: String { String(decoding: bytes, as: UTF8.self) }

    private mutating func separator() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
        if pretty && needsComma.count > 1 { newline() }
    }

    private mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (needsComma.count - 1) * indentUnit))
    }

    mutating func key(_ name: String) {
        separator()
        appendString(name)
        bytes.append(UInt8(ascii: ":"))
        if pretty { bytes.append(UInt8(ascii: " ")) }
        needsComma[needsComma.count - 1] = false   // the value follows without a comma
        pendingValueAfterKey = true
    }

    private var pendingValueAfterKey = false

    private mutating func beginValue() {
        if pendingValueAfterKey {
            pendingValueAfterKey = false
            needsComma[needsComma.count - 1] = true
        } else {
            separator()
        }
    }

    mutating func beginObject() { beginValue(); bytes.append(UInt8(ascii: "{")); needsComma.append(false) }
    mutating func endObject() { close(UInt8(ascii: "}")) }
    mutating func beginArray() { beginValue(); bytes.append(UInt8(ascii: "[")); needsComma.append(false) }
    mutating func endArray() { close(UInt8(ascii: "]")) }

    private mutating func close(_ byte: UInt8) {
        let hadItems = needsComma.removeLast()
        if pretty && hadItems { newline() }
        bytes.append(byte)
    }

    mutating func null() { beginValue(); bytes.append(contentsOf: "null".utf8) }
    mutating func bool(_ value: Bool) { beginValue(); bytes.append(contentsOf: (value ? "true" : "false").utf8) }
    mutating func int(_ value: Int) { beginValue(); bytes.append(contentsOf: String(value).utf8) }
    mutating func string(_ value: String) { beginValue(); appendString(value) }

    /// Shortest round-trip representation; integral values without a fraction; nil and
    /// non-finite values as `null`.
    mutating func number(_ value: Double?) {
        beginValue()
        guard let value, value.isFinite else { bytes.append(contentsOf: "null".utf8); return }
        if value == value.rounded(), abs(value) < 1e15 {
            bytes.append(contentsOf: String(Int64(value)).utf8)
        } else {
            bytes.append(contentsOf: "\(value)".utf8)
        }
    }

    // Key/value conveniences.
    mutating func field(_ name: String, _ value: Double?) { key(name); number(value) }
    mutating func field(_ name: String, _ value: Int) { key(name); int(value) }
    mutating func field(_ name: String, _ value: String?) { key(name); if let value { string(value) } else { null() } }
    mutating func field(_ name: String, _ value: Bool?) { key(name); if let value { bool(value) } else { null() } }

    private mutating func appendString(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): bytes.append(contentsOf: "\\\\".utf8)
            case UInt8(ascii: "\n"): bytes.append(contentsOf: "\\n".utf8)
            case UInt8(ascii: "\r"): bytes.append(contentsOf: "\\r".utf8)
            case UInt8(ascii: "\t"): bytes.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: "\\u00".utf8)
                bytes.append(hex[Int(byte >> 4)])
                bytes.append(hex[Int(byte & 0xF)])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
