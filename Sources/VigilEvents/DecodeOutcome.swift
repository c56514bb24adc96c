/// What became of one message.
package enum DecodeOutcome: Sendable, Equatable {
    /// Appended to the pending batch of model `model` (an index into `DecoderConfiguration.models`).
    case accepted(model: Int)
    /// Not appended; `model` is nil when it could not be determined.
    case rejected(RejectionReason, model: Int?)
}
