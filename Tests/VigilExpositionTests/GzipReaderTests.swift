import Foundation
import Testing
@testable import VigilExposition

@Suite struct GzipReaderTests {
    static func write(_ bytes: [UInt8], name: String) throws -> String {
        let path = temporaryFile(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test(arguments: [1, 7, 4096, 1 << 20])
    func readsTwoMemberFileInChunks(chunk: Int) throws {
        let a = sampleJSONLines(count: 20_000, seed: 3), b = sampleJSONLines(count: 7_000, seed: 4)
        let path = try Self.write(Gzip.compress(a) + Gzip.compress(b, level: 1), name: "two.jsonl.gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        // A small input buffer makes members straddle refills.
        let fd = open(path, O_RDONLY)
        let reader = try GzipReader(fileDescriptor: fd, closeWhenDone: true, bufferSize: 1000)
        var output: [UInt8] = []
        var reads = 0
        while true {
            let n = try reader.read(into: &output, max: chunk)
            #expect(n <= chunk)
            if n == 0 { break }
            reads += 1
            if chunk == 1 && reads > 200_000 { break }  // keep the 1-byte case short
        }
        let expected = a + b
        if chunk == 1 {
            #expect(output == Array(expected.prefix(output.count)))
        } else {
            #expect(output == expected)
            #expect(try reader.read(into: &output, max: chunk) == 0)
        }
    }

    @Test func highlyCompressibleDataComesOutWhole() throws {
        // 8 MB of one byte compresses ~1000:1, so output is pending long after input is consumed.
        let input = [UInt8](repeating: UInt8(ascii: "a"), count: 8 << 20)
        let path = try Self.write(Gzip.compress(input), name: "zeros.gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try GzipReader(path: path)
        var total = 0, buffer: [UInt8] = []
        while true {
            buffer.removeAll(keepingCapacity: true)
            let n = try reader.read(into: &buffer, max: 100_000)
            if n == 0 { break }
            #expect(buffer.allSatisfy { $0 == UInt8(ascii: "a") })
            total += n
        }
        #expect(total == input.count)
    }

    @Test func truncatedFileThrowsAtTheEnd() throws {
        let compressed = Gzip.compress(sampleJSONLines(count: 1000))
        let path = try Self.write(Array(compressed.dropLast(20)), name: "cut.gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try GzipReader(path: path)
        #expect(throws: GzipError.self) { _ = try reader.readToEnd() }
    }

    @Test func missingFileThrows() {
        #expect(throws: GzipError.self) { _ = try GzipReader(path: "/nonexistent/vigil/file.gz") }
    }

    @Test func emptyFileThrows() throws {
        let path = try Self.write([], name: "empty.gz")
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try GzipReader(path: path)
        #expect(throws: GzipError.self) { _ = try reader.readToEnd() }
    }
}
