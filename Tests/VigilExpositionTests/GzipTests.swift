import Foundation
import Testing
@testable import VigilExposition

/// Deterministic compressible test data: JSON Lines with varying numbers.
func sampleJSONLines(count: Int, seed: UInt64 = 1) -> [UInt8] {
    var state = seed
    var text = ""
    for i in 0..<count {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        text += "{\"model\":\"fraud\",\"id\":\"e-\(i)\",\"ts\":\(1764300000000 + i),\"features\":{\"amount\":\(state >> 40)}}\n"
    }
    return Array(text.utf8)
}

func temporaryFile(_ name: String) -> String {
    FileManager.default.temporaryDirectory.appendingPathComponent("vigil-gzip-\(UUID().uuidString)-\(name)").path
}

@Suite struct GzipTests {
    @Test(arguments: [0, 1, 100, 70_000, 1_000_000])
    func roundTrip(size: Int) throws {
        let input = Array(sampleJSONLines(count: size / 60 + 1).prefix(size))
        let compressed = Gzip.compress(input)
        #expect(compressed.starts(with: [0x1f, 0x8b]))
        #expect(try Gzip.decompress(compressed) == input)
    }

    @Test(arguments: [0, 1, 9] as [Int32])
    func roundTripAtLevel(level: Int32) throws {
        let input = sampleJSONLines(count: 2000)
        #expect(try Gzip.decompress(Gzip.compress(input, level: level)) == input)
    }

    @Test func concatenatedMembersDecompressAsOneStream() throws {
        let a = sampleJSONLines(count: 100, seed: 1), b = sampleJSONLines(count: 50, seed: 2)
        #expect(try Gzip.decompress(Gzip.compress(a) + Gzip.compress(b)) == a + b)
    }

    @Test func zeroPaddingAfterTheLastMemberIsIgnored() throws {
        let input = sampleJSONLines(count: 10)
        #expect(try Gzip.decompress(Gzip.compress(input) + [0, 0, 0, 0]) == input)
    }

    @Test func truncatedInputThrows() {
        let compressed = Gzip.compress(sampleJSONLines(count: 100))
        #expect(throws: GzipError.self) { try Gzip.decompress(Array(compressed.dropLast(10))) }
        #expect(throws: GzipError.self) { try Gzip.decompress([]) }
    }

    @Test func corruptInputThrows() {
        var compressed = Gzip.compress(sampleJSONLines(count: 100))
        compressed[compressed.count / 2] ^= 0xff
        #expect(throws: GzipError.self) { try Gzip.decompress(compressed) }
        #expect(throws: GzipError.self) { try Gzip.decompress(Array("not gzip at all".utf8)) }
        #expect(throws: GzipError.self) { try Gzip.decompress(Gzip.compress([1, 2, 3]) + Array("junk".utf8)) }
    }

    @Test(.enabled(if: ExternalTool.gzip != nil || ExternalTool.isCI, "gzip not found"))
    func decompressesWhatTheGzipToolWrites() throws {
        let gzip = try #require(ExternalTool.gzip, "gzip is required under CI")
        let input = sampleJSONLines(count: 5000)
        let path = temporaryFile("cli.jsonl")
        defer { try? FileManager.default.removeItem(atPath: path + ".gz") }
        try Data(input).write(to: URL(fileURLWithPath: path))
        let result = try ExternalTool.run(gzip, ["-9", path])
        #expect(result.status == 0, "\(result.output)")
        let compressed = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path + ".gz")))
        #expect(try Gzip.decompress(compressed) == input)
        let reader = try GzipReader(path: path + ".gz")
        #expect(try reader.readToEnd() == input)
    }

    @Test(.enabled(if: ExternalTool.gzip != nil || ExternalTool.isCI, "gzip not found"))
    func gzipToolDecompressesWhatWeWrite() throws {
        let gzip = try #require(ExternalTool.gzip, "gzip is required under CI")
        let input = sampleJSONLines(count: 3000)
        let result = try ExternalTool.run(gzip, ["-dc"], input: Gzip.compress(input))
        #expect(result.status == 0)
        #expect(Array(result.output.utf8) == input)
    }
}

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
