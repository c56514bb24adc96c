// libFuzzer target: reference-profile loading (`ProfileFile.read` without the file): gzip when the
// input starts with the gzip magic bytes (as a `.gz` path would), then the JSON decoding and
// checks. A profile that loads must survive an encode/decode round trip with the same shape.
import VigilExposition
import VigilStats

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    var bytes = Array(UnsafeBufferPointer(start: start, count: count))
    if bytes.starts(with: [0x1f, 0x8b]) {
        do { bytes = try Gzip.decompress(bytes) } catch { return 0 }
    }
    guard let profile = try? ProfileFile.decode(bytes) else { return 0 }
    let again: ReferenceProfile
    do { again = try ProfileFile.decode(ProfileFile.encode(profile)) } catch {
        preconditionFailure("a loaded profile does not load after writing it: \(error)")
    }
    precondition(again.model == profile.model && again.features.count == profile.features.count)
    precondition((again.anomaly == nil) == (profile.anomaly == nil))
    return 0
}
