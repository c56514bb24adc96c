/// The 64-bit FNV-1a hash that identifies an event id (`EventBatch.idHashes`); use it wherever ids
/// are joined (delayed labels) so both sides hash the same bytes.
package enum EventIDHash {
    /// FNV-1a over `bytes`: the unescaped UTF-8 content of a string id, or the raw JSON text of a
    /// numeric id (`123` hashes the bytes `1`, `2`, `3`, like the string `"123"`).
    @inlinable
    package static func fnv1a(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return hash
    }

    /// FNV-1a over the UTF-8 bytes of `id`.
    package static func fnv1a(_ id: String) -> UInt64 {
        var id = id
        return id.withUTF8 { fnv1a(UnsafeRawBufferPointer($0)) }
    }
}
