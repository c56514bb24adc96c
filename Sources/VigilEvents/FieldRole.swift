/// What a value found at a registered path is to the decoder.
enum FieldRole: Equatable {
    case model
    case id
    case timestamp
    case features
    case prediction
    case label
    /// A feature, by index into the union of all models' feature names.
    case feature(Int)
}
