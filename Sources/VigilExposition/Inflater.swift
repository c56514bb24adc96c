import CZlib

/// Streaming inflate state shared by `Gzip.decompress` and `GzipReader`.
struct Inflater: ~Copyable {
    private let stream: UnsafeMutablePointer<z_stream>
    /// True before the first byte of a member and after a member's trailer.
    private(set) var atMemberBoundary = true
    /// After a member ended, the rest of the input must be another member or zero padding.
    private var sawPadding = false
    /// zlib filled the last output chunk and may hold more output for the input it consumed.
    private(set) var hasPendingOutput = false
    /// Some compressed input was seen.
    private(set) var started = false

    init() throws(GzipError) {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = vigil_inflate_init_gzip(stream)
        guard status == Z_OK else {
            let error = GzipError.zlib(status, stream, "inflateInit2")
            stream.deinitialize(count: 1)
            stream.deallocate()
            throw error
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Inflates `input`, appending at most `maxOutput` bytes to `output`. Output that zlib still holds
    /// when `maxOutput` is reached comes out on the next call (which may pass no input).
    /// - Returns: how many input bytes were consumed (less than `input.count` only when
    ///   `maxOutput` was reached).
    @discardableResult
    mutating func inflate(_ input: UnsafeBufferPointer<UInt8>, into output: inout [UInt8], maxOutput: Int) throws(GzipError) -> Int {
        var consumed = 0
        var produced = 0
        while consumed < input.count || hasPendingOutput, produced < maxOutput {
            if atMemberBoundary && consumed < input.count {
                // Between members: skip zero padding; anything else must start a new member.
                if sawPadding || input[consumed] == 0 {
                    guard input[consumed...].allSatisfy({ $0 == 0 }) else {
                        throw GzipError(.trailingData, "data after zero padding following a gzip member")
                    }
                    sawPadding = true
                    return input.count
                }
            }
            let room = min(Self.chunkSize, maxOutput - produced)
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: room))
            let (status, read, wrote) = output.withUnsafeMutableBufferPointer { out in
                stream.pointee.next_in = input.baseAddress.map { UnsafeMutablePointer(mutating: $0 + consumed) }
                stream.pointee.avail_in = uInt(input.count - consumed)
                stream.pointee.next_out = out.baseAddress! + start
                stream.pointee.avail_out = uInt(room)
                let status = CZlib.inflate(stream, Z_NO_FLUSH)
                return (status, input.count - consumed - Int(stream.pointee.avail_in), room - Int(stream.pointee.avail_out))
            }
            output.removeLast(room - wrote)
            consumed += read
            produced += wrote
            if read > 0 { started = true }
            switch status {
            case Z_OK:
                atMemberBoundary = false
                hasPendingOutput = wrote == room
            case Z_STREAM_END:
                atMemberBoundary = true
                hasPendingOutput = false
                let reset = inflateReset(stream)
                guard reset == Z_OK else { throw GzipError.zlib(reset, stream, "inflateReset") }
            case Z_BUF_ERROR where read == 0 && wrote == 0:
                // No progress possible: zlib needs more input.
                hasPendingOutput = false
                return consumed
            default:
                throw GzipError.zlib(status, stream, "inflate")
            }
        }
        return consumed
    }

    private static let chunkSize = 64 * 1024
}
