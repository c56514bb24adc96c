#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The standard `process_*` values (as Prometheus client libraries export them), read per scrape.
/// `nil` where the platform or /proc does not tell.
package struct ProcessMetrics: Sendable, Equatable {
    package var cpuSeconds: Double?
    package var residentMemoryBytes: Double?
    package var virtualMemoryBytes: Double?
    package var startTimeSeconds: Double?
    package var openFDs: Double?
    package var maxFDs: Double?
}

/// Reads `ProcessMetrics` from Linux's /proc/self; the start time is computed once.
struct ProcessMetricsReader: Sendable {
    private let clockTicks: Double
    private let pageSize: Double
    private let startTimeSeconds: Double?

    init() {
        #if os(Linux)
        clockTicks = Double(max(sysconf(Int32(_SC_CLK_TCK)), 1))
        pageSize = Double(max(sysconf(Int32(_SC_PAGESIZE)), 1))
        // /proc/self/stat field 22 is the start time in clock ticks since boot; /proc/stat's btime is
        // the boot time in seconds since the epoch.
        if let stat = Self.statFields(), stat.count > 19, let ticks = Double(stat[19]),
           let bootTime = Self.bootTimeSeconds() {
            startTimeSeconds = bootTime + ticks / clockTicks
        } else {
            startTimeSeconds = nil
        }
        #else
        clockTicks = 100
        pageSize = 4096
        startTimeSeconds = nil
        #endif
    }

    func read() -> ProcessMetrics {
        var metrics = ProcessMetrics(startTimeSeconds: startTimeSeconds)
        #if os(Linux)
        if let stat = Self.statFields(), stat.count > 21 {
            // Fields after the command name start at field 3 (state): field n is at index n - 3.
            if let user = Double(stat[11]), let system = Double(stat[12]) {
                metrics.cpuSeconds = (user + system) / clockTicks
            }
            metrics.virtualMemoryBytes = Double(stat[20])
            metrics.residentMemoryBytes = Double(stat[21]).map { $0 * pageSize }
        }
        metrics.openFDs = Self.openFileDescriptors()
        metrics.maxFDs = Self.maxFileDescriptors()
        #endif
        return metrics
    }

    #if os(Linux)
    /// /proc/self/stat split after the command name (which may contain spaces and parentheses).
    private static func statFields() -> [Substring]? {
        guard let text = readFile("/proc/self/stat"), let close = text.lastIndex(of: ")") else { return nil }
        return text[text.index(after: close)...].split(separator: " ")
    }

    private static func bootTimeSeconds() -> Double? {
        guard let text = readFile("/proc/stat") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("btime ") {
            return Double(line.dropFirst("btime ".count).drop(while: { $0 == " " }))
        }
        return nil
    }

    private static func openFileDescriptors() -> Double? {
        guard let directory = opendir("/proc/self/fd") else { return nil }
        defer { closedir(directory) }
        var count = 0
        while let entry = readdir(directory) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { $0.first == UInt8(ascii: ".") }
            if !isDot { count += 1 }
        }
        return Double(count - 1)  // less the descriptor opendir holds
    }

    private static func maxFileDescriptors() -> Double? {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        return limit.rlim_cur == rlim_t.max ? .infinity : Double(limit.rlim_cur)
    }

    /// Reads a small /proc file (their size is reported as 0, so read until EOF).
    private static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { break }
            bytes.append(contentsOf: chunk[..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
    #endif
}
