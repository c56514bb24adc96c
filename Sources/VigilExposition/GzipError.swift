import CZlib

/// A failure to compress, decompress or read gzip data.
package struct GzipError: Error, CustomStringConvertible, Equatable {
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        package let name: String
        package static let corruptData = Code(name: "corrupt_data")
        package static let truncated = Code(name: "truncated")
        package static let trailingData = Code(name: "trailing_data")
        package static let io = Code(name: "io")
        package static let zlib = Code(name: "zlib")
        package var description: String { name }
    }

    package let code: Code
    package let message: String

    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    package var description: String { "gzip \(code): \(message)" }

    /// zlib's message for a failed call (`msg` of the stream when set).
    static func zlib(_ status: Int32, _ stream: UnsafeMutablePointer<z_stream>, _ what: String) -> GzipError {
        let detail = stream.pointee.msg.map { String(cString: $0) } ?? "status \(status)"
        let code: Code = status == Z_DATA_ERROR ? .corruptData : .zlib
        return GzipError(code, "\(what): \(detail)")
    }
}
