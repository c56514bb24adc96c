import Testing
import VigilEvents

@Suite struct EventIDHashTests {
    // Reference values of 64-bit FNV-1a from the FNV test suite (http://www.isthe.com/chongo/tech/comp/fnv/).
    @Test(arguments: [("", 0xcbf2_9ce4_8422_2325 as UInt64), ("a", 0xaf63_dc4c_8601_ec8c), ("foobar", 0x8594_4171_f739_67e8)])
    func matchesReferenceVectors(text: String, hash: UInt64) {
        #expect(EventIDHash.fnv1a(text) == hash)
        #expect(Array(text.utf8).withUnsafeBytes { EventIDHash.fnv1a($0) } == hash)
    }
}
