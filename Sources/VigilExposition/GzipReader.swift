#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decompresses a gzip file incrementally (replay and baseline inputs of ~100 MB never sit in memory
/// whole). Concatenated members are read as one stream, as `gunzip` does.
///
/// Not `Sendable`: one reader belongs to one task.
package final class GzipReader {
    private let fileDescriptor: Int32
    private let closesFileDescriptor: Bool
    private var inflater: Inflater
    private var input: [UInt8]
    private var inputStart = 0
    private var inputEnd = 0
    private var endOfFile = false
    private var finished = false

    /// Opens the file at `path`.
    package convenience init(path: String) throws(GzipError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw GzipError(.io, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        do {
            try self.init(fileDescriptor: fd, closeWhenDone: true)
        } catch {
            close(fd)
            throw error
        }
    }

    /// Reads from an open descriptor (e.g. 0 for standard input); `closeWhenDone` closes it on deinit.
    package init(fileDescriptor: Int32, closeWhenDone: Bool = false, bufferSize: Int = 256 * 1024) throws(GzipError) {
        self.fileDescriptor = fileDescriptor
        closesFileDescriptor = closeWhenDone
        inflater = try Inflater()
        input = [UInt8](repeating: 0, count: max(bufferSize, 1))
    }

    deinit {
        if closesFileDescriptor { close(fileDescriptor) }
    }

    /// Appends up to `max` decompressed bytes to `buffer`.
    /// - Returns: the number of bytes appended; 0 only at the end of the data (or when `max` is 0).
    /// - Throws: `GzipError` for unreadable files, corrupt data, a file that ends inside a member
    ///   (`.truncated`) or non-gzip data after a member.
    package func read(into buffer: inout [UInt8], max: Int) throws(GzipError) -> Int {
        guard max > 0, !finished else { return 0 }
        while true {
            if inputStart == inputEnd && !endOfFile && !inflater.hasPendingOutput {
                try refill()
            }
            if inputStart == inputEnd && endOfFile && !inflater.hasPendingOutput {
                guard inflater.started else { throw GzipError(.truncated, "empty input: no gzip member") }
                guard inflater.atMemberBoundary else { throw GzipError(.truncated, "input ends inside a gzip member") }
                finished = true
                return 0
            }
            let before = buffer.count
            let consumed = try input.withUnsafeBufferPointer { (all) throws(GzipError) in
                try inflater.inflate(UnsafeBufferPointer(rebasing: all[inputStart..<inputEnd]), into: &buffer, maxOutput: max)
            }
            inputStart += consumed
            let appended = buffer.count - before
            if appended > 0 { return appended }
        }
    }

    /// Reads everything that is left.
    package func readToEnd() throws(GzipError) -> [UInt8] {
        var bytes: [UInt8] = []
        while try read(into: &bytes, max: 1 << 20) > 0 {}
        return bytes
    }

    private func refill() throws(GzipError) {
        while true {
            let n = input.withUnsafeMutableBytes { systemRead(fileDescriptor, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw GzipError(.io, "read failed: \(String(cString: strerror(errno)))")
            }
            inputStart = 0
            inputEnd = n
            if n == 0 { endOfFile = true }
            return
        }
    }
}

private func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.read(fd, buffer, count)
    #else
    Darwin.read(fd, buffer, count)
    #endif
}
