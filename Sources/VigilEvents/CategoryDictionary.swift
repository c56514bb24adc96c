/// Category names → codes (1, 2, 3, … in order of first appearance; 0 means missing), looked up by
/// raw UTF-8 bytes so that a name already seen costs no `String` and no allocation.
///
/// Holds at most `limit` names; after that every new name maps to the code of
/// `EventDecoder.overflowCategory`, which is added (beyond the limit) the first time it is needed.
struct CategoryDictionary {
    /// Open addressing table: a code, or 0 for an empty slot. Its size is a power of two.
    private var slots: ContiguousArray<UInt32>
    /// Per code `c`, at index `c - 1`: hash, and start of the name in `bytes` (its end is the next start).
    private var hashes: ContiguousArray<UInt64> = []
    private var starts: ContiguousArray<Int> = [0]
    private var bytes: ContiguousArray<UInt8> = []
    private let limit: Int
    private var overflowCode: UInt32 = 0
    /// Values mapped to the overflow code because the dictionary was full (since last reset).
    var pooled = 0
    private static let overflowName = Array(EventDecoder.overflowCategory.utf8)

    init(limit: Int) {
        self.limit = max(limit, 0)
        slots = ContiguousArray(repeating: 0, count: 16)
    }

    /// Number of codes assigned.
    var count: Int { hashes.count }

    /// The code of `name`; a new code when it was never seen (its name is appended to `newNames`).
    mutating func code(for name: UnsafeRawBufferPointer, newNames: inout [String]) -> UInt32 {
        let hash = EventIDHash.fnv1a(name)
        if let code = find(name, hash: hash) { return code }
        if count >= limit {
            pooled += 1
            if overflowCode == 0 {
                overflowCode = Self.overflowName.withUnsafeBytes { overflow in
                    let overflowHash = EventIDHash.fnv1a(overflow)
                    return find(overflow, hash: overflowHash) ?? insert(overflow, hash: overflowHash, newNames: &newNames)
                }
            }
            return overflowCode
        }
        return insert(name, hash: hash, newNames: &newNames)
    }

    /// The name of `code` (1-based); for tests and diagnostics.
    func name(of code: UInt32) -> String? {
        guard code >= 1, Int(code) <= count else { return nil }
        let index = Int(code) - 1
        return String(decoding: bytes[starts[index]..<starts[index + 1]], as: UTF8.self)
    }

    private func find(_ name: UnsafeRawBufferPointer, hash: UInt64) -> UInt32? {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let code = slots[slot]
            if code == 0 { return nil }
            let index = Int(code) - 1
            if hashes[index] == hash, equals(name, start: starts[index], end: starts[index + 1]) { return code }
            slot = (slot + 1) & mask
        }
    }

    private func equals(_ name: UnsafeRawBufferPointer, start: Int, end: Int) -> Bool {
        guard end - start == name.count else { return false }
        return bytes.withUnsafeBufferPointer { stored in
            var i = 0
            while i < name.count {
                if stored[start + i] != name[i] { return false }
                i += 1
            }
            return true
        }
    }

    private mutating func insert(_ name: UnsafeRawBufferPointer, hash: UInt64, newNames: inout [String]) -> UInt32 {
        if (count + 1) * 2 > slots.count { grow() }
        hashes.append(hash)
        bytes.append(contentsOf: name)
        starts.append(bytes.count)
        let code = UInt32(count)
        place(code, hash: hash)
        newNames.append(String(decoding: name, as: UTF8.self))
        return code
    }

    private mutating func place(_ code: UInt32, hash: UInt64) {
        let mask = slots.count - 1
        var slot = Int(truncatingIfNeeded: hash) & mask
        while slots[slot] != 0 { slot = (slot + 1) & mask }
        slots[slot] = code
    }

    private mutating func grow() {
        slots = ContiguousArray(repeating: 0, count: slots.count * 2)
        for index in hashes.indices { place(UInt32(index + 1), hash: hashes[index]) }
    }
}
