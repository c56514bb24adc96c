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
    /// Zero bytes kept after the data read so far: a terminated line's last one ends there, and
    /// the scanner may look this far past a line's end (`forEachBatch(maxLines:terminate:_:)`).
    static let padding = 64

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
        try forEachBatch(maxLines: 256) { lines in
            for line in lines { try body(line) }
        }
    }

    /// Calls `body` with the lines as `forEachLine` gives them, up to `maxLines` at a time: the
    /// complete lines of the input read so far, which stay valid during the call.
    ///
    /// `terminate`: each line handed out is followed by a zero byte (its `\n` or `\r` overwritten)
    /// and then at least `padding` readable bytes, so that the JSON scanner can read it in place
    /// (`EventDecoder.prepare(_:terminated:overlapping:)`).
    func forEachBatch(maxLines: Int, terminate: Bool = false, _ body: ([UnsafeRawBufferPointer]) throws -> Void) throws {
        precondition(maxLines > 0, "maxLines must be positive")
        var lines: [UnsafeRawBufferPointer] = []
        lines.reserveCapacity(maxLines)
        while true {
            // Hand out the complete lines in [start, end) (and, at the end of the input, the rest).
            try buffer.withUnsafeMutableBytes { b in
                let base = b.baseAddress!
                memset(base + end, 0, Self.padding)
                while start < end, let found = memchr(base + start, 0x0A, end - start) {
                    let newline = UnsafeRawPointer(found) - UnsafeRawPointer(base)
                    var lineEnd = newline
                    if lineEnd > start && b[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                    if terminate { b[lineEnd] = 0 }
                    if lineEnd > start { lines.append(UnsafeRawBufferPointer(rebasing: b[start..<lineEnd])) }
                    start = newline + 1
                    if lines.count == maxLines {
                        try body(lines)
                        lines.removeAll(keepingCapacity: true)
                    }
                }
                if finished, end > start {
                    lines.append(UnsafeRawBufferPointer(rebasing: b[start..<end]))   // followed by the padding
                    start = end
                }
                if !lines.isEmpty {
                    try body(lines)
                    lines.removeAll(keepingCapacity: true)
                }
            }
            if finished { return }
            // Move the partial line to the front and read more, growing for very long lines.
            if start > 0 {
                buffer.withUnsafeMutableBytes { b in
                    _ = memmove(b.baseAddress!, b.baseAddress! + start, end - start)
                }
                end -= start
                start = 0
            }
            if buffer.count - end < Self.chunk + Self.padding { buffer.append(contentsOf: repeatElement(0, count: Self.chunk)) }
            let read = try fill()
            if read == 0 { finished = true } else { end += read }
        }
    }

    private func fill() throws -> Int {
        let room = buffer.count - end - Self.padding
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
