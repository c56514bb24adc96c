import Foundation
import Logging
import VigilKafka

/// `vigil produce`: sends a JSON Lines file to a topic, one message per line.
package enum ProduceCommand {
    package static func run(brokers: String, topic: String, input: String, rate: Int?, loop: Bool) async throws {
        let logger = Logger(label: "vigil.produce")
        let producer = try KafkaProducer(configuration: [
            "bootstrap.servers": brokers,
            "linger.ms": "5",
            "sticky.partitioning.linger.ms": "0",
        ])
        defer { producer.close() }
        var sent = 0
        let started = ContinuousClock.now
        repeat {
            let reader = try LineReader(path: input)
            try reader.forEachLine { line in
                try producer.send(topic: topic, value: line)
                sent += 1
                if let rate, sent % max(1, rate / 100) == 0 {
                    let due = started + .milliseconds(Int64(sent) * 1000 / Int64(rate))
                    let wait = due - ContinuousClock.now
                    if wait > .zero { Thread.sleep(forTimeInterval: wait.seconds) }
                }
            }
            try Task.checkCancellation()
        } while loop
        try producer.flush(timeout: .seconds(30))
        let failures = producer.deliveryFailures
        logger.info("Produced.", metadata: ["messages": "\(sent)", "kafka.topic": "\(topic)", "delivery.failures": "\(failures)"])
        if failures > 0 { throw UsageError("\(failures) of \(sent) messages were not delivered") }
    }
}
