/// For one message, the index of the extractor entry of each top-level field (the last occurrence),
/// or -1 when the field is absent.
struct FieldEntries {
    var model = -1
    var id = -1
    var timestamp = -1
    var features = -1
    var prediction = -1
    var label = -1
}
