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
