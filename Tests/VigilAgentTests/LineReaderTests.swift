import Foundation
import Testing
import TestSupport
import VigilStats
@testable import VigilAgent

/// `LineReader` hands out lines one at a time (`forEachLine`) or in batches (`forEachBatch`, which
/// replay parses on every core). Both must give every line of the input once, in order, across the
/// reader's 1 MiB chunks, without `\n` or `\r\n`, skipping empty lines, the last line with or
/// without a final newline. Expected lines come from splitting the written text in the test.
@Suite struct LineReaderTests {
    /// About 2.6 MiB of lines of 0 to 2,000 bytes, some ending in `\r\n`, some empty, some longer
    /// than a chunk's remainder.
    static func text(finalNewline: Bool, seed: UInt64) -> String {
        var random = SplitMix64(seed: seed)
        var lines: [String] = []
        var size = 0
        var index = 0
        while size < 2_700_000 {
            let length = index % 97 == 0 ? 0 : Int.random(in: 1...2_000, using: &random)
            let line = "\(index):" + String(repeating: "x", count: length)
            lines.append(index % 5 == 0 ? line + "\r" : line)
            if index % 89 == 0 { lines.append("") }
            size += line.utf8.count + 1
            index += 1
        }
        return lines.joined(separator: "\n") + (finalNewline ? "\n" : "")
    }

    /// The first index where `a` and `b` differ (not the whole arrays: lines are long).
    static func firstDifference(_ a: [String], _ b: [String]) -> Int? {
        zip(a, b).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? (a.count == b.count ? nil : min(a.count, b.count))
    }

    /// Split by bytes (Swift's `Character` would read `\r\n` as one). A `\r` is dropped only
    /// before a `\n`: a last line without a newline keeps it (JSON reads it as whitespace).
    static func expected(_ text: String) -> [String] {
        let parts = Array(text.utf8).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        return parts.indices
            .map { parts[$0].last == UInt8(ascii: "\r") && $0 < parts.count - 1 ? parts[$0].dropLast() : parts[$0][...] }
            .filter { !$0.isEmpty }
            .map { String(decoding: $0, as: UTF8.self) }
    }

    // Seeds 15 and 19 end in an unterminated line with a `\r`.
    @Test(arguments: [0, 1, 2, 3, 15, 19].map { ($0 % 2 == 0, UInt64($0)) } as [(Bool, UInt64)])
    func batchesAndLinesGiveEveryLineOnceInOrder(finalNewline: Bool, seed: UInt64) throws {
        let directory = try TestSupport.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = Self.text(finalNewline: finalNewline, seed: seed)
        let path = directory.appendingPathComponent("lines.jsonl").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let expected = Self.expected(text)

        var single: [String] = []
        try LineReader(path: path).forEachLine { single.append(String(decoding: $0, as: UTF8.self)) }
        #expect(single.count == expected.count)
        #expect(Self.firstDifference(single, expected) == nil)

        for maxLines in [1, 7, 4096] {
            var batched: [String] = []
            var largest = 0
            try LineReader(path: path).forEachBatch(maxLines: maxLines) { lines in
                largest = max(largest, lines.count)
                batched += lines.map { String(decoding: $0, as: UTF8.self) }
            }
            #expect(batched.count == expected.count, "maxLines \(maxLines)")
            #expect(Self.firstDifference(batched, expected) == nil, "maxLines \(maxLines)")
            #expect(largest <= maxLines)
        }

        // Terminated (replay's scanner reads lines in place): the same lines, each followed by a
        // zero byte, and `padding` bytes after it readable (read here, as the scanner may).
        for maxLines in [7, 4096] {
            var batched: [String] = []
            var terminatedLines = 0
            var padding = 0
            try LineReader(path: path).forEachBatch(maxLines: maxLines, terminate: true) { lines in
                batched += lines.map { String(decoding: $0, as: UTF8.self) }
                for line in lines {
                    let after = UnsafeRawBufferPointer(start: line.baseAddress! + line.count, count: 1 + LineReader.padding)
                    if after[0] == 0 { terminatedLines += 1 }
                    padding = after.reduce(padding) { $0 &+ Int($1) }
                }
            }
            #expect(Self.firstDifference(batched, expected) == nil, "terminated, maxLines \(maxLines)")
            #expect(terminatedLines == expected.count, "terminated, maxLines \(maxLines)")
            #expect(padding > 0)   // the bytes after a terminator are the next lines, not all zero
        }
    }
}
