import VigilEvents

/// The names of a model's category codes, kept in step with the decoder through
/// `EventBatch.newCategories` (code c ≥ 1 is `names[c - 1]`).
struct CategoryNames {
    private(set) var names: [String] = []

    mutating func append(_ newNames: [String]) { names += newNames }

    /// The name of `code`; nil for 0 (missing) or unknown codes.
    func name(_ code: Int) -> String? {
        code >= 1 && code <= names.count ? names[code - 1] : nil
    }
}
