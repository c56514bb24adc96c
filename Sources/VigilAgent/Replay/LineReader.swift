import Foundation
import VigilExposition

/// Reads JSON Lines input in large chunks and hands out each line as a borrowed buffer,
/// without copying lines that lie inside one chunk. Accepts a path, `-` (stdin) and gzip
/// input when the name ends in `.gz` (SPEC §2 `replay`).
final class LineReader {
    private enum Source {
        case file(UnsafeMutablePointer<FILE>, closeWhenDone: Bool)
        case gzip(GzipReader)
    }

    private let source: Source
    private var buffer: [UInt8]
    private var start = 0
    private var end = 0
    private var finished = false
    private var scratch: [UInt8] = []
    private static let chunk = 1 << 20

    init(path: String) throws {
        if path.hasSuffix(".gz") {
            source = .gzip(path == "-.gz" ? try GzipReader(fileDescriptor: 0) : try GzipReader(path: path))
        } else if path == "-" {
            source = .file(fdopen(0, "rb"), closeWhenDone: false)
        } else {
            guard let file = fopen(path, "rb") else {
                throw ReplayError("cannot open input \"\(path)\": \(String(cString: strerror(errno)))")
            }
            source = .file(file, closeWhenDone: true)
        }
        buffer = Array(repeating: 0, count: Self.chunk * 2)
    }

    deinit {
        if case .file(let file, true) = source { fclose(file) }
    }

    /// Calls `body` with each line (without its `\n` or `\r\n`), in order. Empty lines are skipped.
    func forEachLine(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        while true {
            // Find complete lines in [start, end).
            var searchFrom = start
            while true {
                let newline: Int? = buffer.withUnsafeBufferPointer { b in
                    guard searchFrom < end else { return nil }
                    let base = b.baseAddress! + searchFrom
                    guard let found = memchr(base, 0x0A, end - searchFrom) else { return nil }
                    return searchFrom + (UnsafeRawPointer(found) - UnsafeRawPointer(base))
                }
                guard let newline else { break }
                var lineEnd = newline
                if lineEnd > start && buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                if lineEnd > start {
                    try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<lineEnd])) }
                }
                start = newline + 1
                searchFrom = start
            }
            if finished {
                if end > start {
                    try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[start..<end])) }
                }
                return
            }
            // Move the partial line to the front and read more, growing for very long lines.
            if start > 0 {
                buffer.withUnsafeMutableBytes { b in
                    _ = memmove(b.baseAddress!, b.baseAddress! + start, end - start)
                }
                end -= start
                start = 0
            }
            if buffer.count - end < Self.chunk { buffer.append(contentsOf: repeatElement(0, count: Self.chunk)) }
            let read = try fill()
            if read == 0 { finished = true } else { end += read }
        }
    }

    private func fill() throws -> Int {
        let room = buffer.count - end
        switch source {
        case .file(let file, _):
            let n = buffer.withUnsafeMutableBytes { fread($0.baseAddress! + end, 1, room, file) }
            if n == 0 && ferror(file) != 0 { throw ReplayError("read error: \(String(cString: strerror(errno)))") }
            return n
        case .gzip(let reader):
            scratch.removeAll(keepingCapacity: true)
            let n = try reader.read(into: &scratch, max: room)
            buffer.replaceSubrange(end..<(end + n), with: scratch)
            return n
        }
    }
}

struct ReplayError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
