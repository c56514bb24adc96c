import CZlib

/// One-shot gzip compression and decompression (RFC 1952) over zlib.
package enum Gzip {
    /// Compresses `bytes` into one gzip member.
    /// - Parameter level: zlib level, 0 (store) to 9; 6 is zlib's default.
    package static func compress(_ bytes: [UInt8], level: Int32 = 6) -> [UInt8] {
        let stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        defer { stream.deinitialize(count: 1); stream.deallocate() }
        let status = vigil_deflate_init_gzip(stream, level)
        precondition(status == Z_OK, "deflateInit2 failed: \(status)")  // only bad parameters or no memory
        defer { deflateEnd(stream) }

        // deflateBound covers the zlib wrapper; the gzip header and trailer are 18 bytes more.
        let bound = Int(deflateBound(stream, uLong(bytes.count))) + 18
        var output = [UInt8](repeating: 0, count: bound)
        let written = bytes.withUnsafeBufferPointer { input in
            output.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress)
                stream.pointee.avail_in = uInt(input.count)
                stream.pointee.next_out = out.baseAddress
                stream.pointee.avail_out = uInt(out.count)
                let result = deflate(stream, Z_FINISH)
                precondition(result == Z_STREAM_END, "deflate did not finish within deflateBound: \(result)")
                return out.count - Int(stream.pointee.avail_out)
            }
        }
        output.removeSubrange(written...)
        return output
    }

    /// Decompresses gzip data: one member or several concatenated (as `cat a.gz b.gz` makes and
    /// `gunzip` accepts); zero padding after the last member is ignored. zlib-wrapped data is
    /// accepted too.
    package static func decompress(_ bytes: [UInt8]) throws(GzipError) -> [UInt8] {
        var inflater = try Inflater()
        var output: [UInt8] = []
        output.reserveCapacity(bytes.count * 4)
        _ = try bytes.withUnsafeBufferPointer { (input) throws(GzipError) in
            try inflater.inflate(input, into: &output, maxOutput: .max)
        }
        guard inflater.started else { throw GzipError(.truncated, "empty input: no gzip member") }
        guard inflater.atMemberBoundary else {
            throw GzipError(.truncated, "input ends inside a gzip member")
        }
        return output
    }
}
