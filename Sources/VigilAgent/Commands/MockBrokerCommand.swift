import Foundation
import Logging
import VigilKafka

/// `vigil mock-broker`: a standalone librdkafka mock cluster for local trials and tests.
package enum MockBrokerCommand {
    package static func parseTopic(_ spec: String) -> (name: String, partitions: Int)? {
        guard let colon = spec.lastIndex(of: ":") else { return nil }
        let name = String(spec[..<colon])
        guard !name.isEmpty, let partitions = Int(spec[spec.index(after: colon)...]), (1...1000).contains(partitions) else { return nil }
        return (name, partitions)
    }

    /// Starts the cluster, prints `BOOTSTRAP=...` then `READY`, and waits for SIGTERM/SIGINT.
    package static func run(brokers: Int, topics: [(name: String, partitions: Int)], bootstrapFile: String?) async throws {
        let logger = Logger(label: "vigil.mock-broker")
        let cluster = try MockCluster(brokers: brokers, logger: logger)
        defer { cluster.close() }
        for topic in topics { try cluster.createTopic(topic.name, partitions: topic.partitions) }
        if let bootstrapFile {
            guard FileManager.default.createFile(atPath: bootstrapFile, contents: Data((cluster.bootstrapServers + "\n").utf8)) else {
                throw UsageError("--bootstrap-file: cannot write \"\(bootstrapFile)\"")
            }
        }
        print("BOOTSTRAP=\(cluster.bootstrapServers)")
        print("READY")
        fflush(nil)
        await SignalWaiter.wait(for: [SIGTERM, SIGINT])
        logger.info("Mock cluster stopping.")
    }
}

/// Waits for one of a set of signals without blocking a thread of the concurrency pool.
enum SignalWaiter {
    static func wait(for signals: [Int32]) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let queue = DispatchQueue(label: "vigil.signals")
            let resumed = ResumeOnce(continuation)
            var sources: [any DispatchSourceSignal] = []
            for sig in signals {
                signal(sig, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
                source.setEventHandler { resumed.resume() }
                source.resume()
                sources.append(source)
            }
            SignalSources.keep(sources)
        }
    }
}

/// Keeps signal sources alive for the life of the process.
private enum SignalSources {
    nonisolated(unsafe) private static var kept: [any DispatchSourceSignal] = []   // written once, from one task at start-up
    static func keep(_ sources: [any DispatchSourceSignal]) { kept += sources }
}

private final class ResumeOnce: @unchecked Sendable {   // guarded by `lock`
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Void, Never>?
    init(_ continuation: CheckedContinuation<Void, Never>) { self.continuation = continuation }
    func resume() {
        lock.lock()
        let c = continuation
        continuation = nil
        lock.unlock()
        c?.resume()
    }
}
