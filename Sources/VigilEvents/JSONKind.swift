internal import CSimdJSON

/// The kind of a value the extractor reported (`vigil_json_kind`).
enum JSONKind: Int32 {
    case null = 0
    /// Finite number.
    case number = 1
    /// `NaN`, `Infinity`, `-Infinity` or a number that overflows a double.
    case nonFinite = 2
    case string = 3
    case `true` = 4
    case `false` = 5
    case object = 6
    case array = 7
}

extension vigil_json_entry {
    var jsonKind: JSONKind { JSONKind(rawValue: kind) ?? .null }

    /// The unescaped bytes of a string, the raw token of a number; empty otherwise. Valid until the
    /// extractor parses the next message.
    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: text, count: text == nil ? 0 : length) }
}
