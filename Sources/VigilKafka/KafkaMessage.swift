import CRdKafka

/// A borrowed view of one consumed message.
///
/// Valid only inside the `KafkaConsumer.poll` callback that received it: the payload, key and header
/// buffers point into librdkafka's message, which is destroyed when the batch ends. Decode or copy
/// what you need inside the callback; never store the message or its buffers. (Not `Sendable`, so it
/// cannot cross into a task either.)
package struct KafkaMessage {
    /// Index of the message's topic in the list given to `KafkaConsumer.subscribe(_:)`.
    package var topicIndex: Int
    /// The partition the message was read from.
    package var partition: Int32
    /// The message's offset in its partition.
    package var offset: Int64
    /// The message timestamp (create time or log-append time, per the topic), Unix epoch
    /// milliseconds; `nil` when the message has none.
    package var timestampMillis: Int64?
    /// The value; empty for a null value. Borrowed.
    package var payload: UnsafeRawBufferPointer
    /// The key; `nil` for a null key. Borrowed.
    package var key: UnsafeRawBufferPointer?

    /// The librdkafka message this view borrows from.
    let raw: UnsafeMutablePointer<rd_kafka_message_t>

    init(raw: UnsafeMutablePointer<rd_kafka_message_t>, topicIndex: Int) {
        let message = raw.pointee
        self.raw = raw
        self.topicIndex = topicIndex
        self.partition = message.partition
        self.offset = message.offset
        var timestampType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let timestamp = rd_kafka_message_timestamp(raw, &timestampType)
        self.timestampMillis = timestampType == RD_KAFKA_TIMESTAMP_NOT_AVAILABLE || timestamp < 0 ? nil : timestamp
        self.payload = UnsafeRawBufferPointer(start: message.payload, count: message.payload == nil ? 0 : message.len)
        self.key = message.key.map { UnsafeRawBufferPointer(start: $0, count: message.key_len) }
    }

    /// The value of the last header named `name` (Kafka allows repeats); `nil` when absent. An empty
    /// buffer for a header with a null value. Borrowed like `payload`.
    ///
    /// - Complexity: O(headers); librdkafka parses the headers on first access.
    package func header(named name: String) -> UnsafeRawBufferPointer? {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(raw, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return nil }
        var value: UnsafeRawPointer?
        var size = 0
        guard rd_kafka_header_get_last(headers, name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else { return nil }
        return UnsafeRawBufferPointer(start: value, count: value == nil ? 0 : size)
    }

    /// Calls `body` with each header in order (names copied, values borrowed).
    package func forEachHeader(_ body: (_ name: String, _ value: UnsafeRawBufferPointer) -> Void) {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(raw, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else { return }
        var index = 0
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        while rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            body(name.map { String(cString: $0) } ?? "", UnsafeRawBufferPointer(start: value, count: value == nil ? 0 : size))
            index += 1
        }
    }

    /// All headers, copied. Allocates: for dead letters and tests, not for the per-event path.
    package var headers: [(name: String, value: [UInt8])] {
        var result: [(name: String, value: [UInt8])] = []
        forEachHeader { name, value in result.append((name, Array(value))) }
        return result
    }
}

@available(*, unavailable, message: "a KafkaMessage borrows librdkafka memory; copy what you need")
extension KafkaMessage: Sendable {}
