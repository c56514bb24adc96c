public import Foundation

/// Helpers shared by the test targets (no production code depends on this).
public enum TestSupport {
    /// The package root (two levels above this file's folder).
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// True when running under CI (`CI` set to anything but empty/false/0): a missing external
    /// tool is then a failure, never a skip.
    public static var isCI: Bool {
        guard let value = ProcessInfo.processInfo.environment["CI"]?.lowercased() else { return false }
        return !(value.isEmpty || value == "false" || value == "0")
    }

    /// Finds an executable: `$ENV_VAR` first, then each name on `PATH`.
    public static func findExecutable(env: String? = nil, names: [String]) -> String? {
        if let env, let path = ProcessInfo.processInfo.environment[env], FileManager.default.isExecutableFile(atPath: path) {
            return path
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for name in names {
            for dir in path.split(separator: ":") {
                let candidate = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// The `vigil` binary built next to the tests (`VIGIL_BINARY` overrides).
    public static var vigilBinary: String? {
        if let path = ProcessInfo.processInfo.environment["VIGIL_BINARY"] { return path }
        // Test bundles live in .build/<triple>/debug/; so does the product.
        let candidates = [
            Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("vigil").path,
            packageRoot.appendingPathComponent(".build/debug/vigil").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// A fresh temporary directory.
    public static func temporaryDirectory(_ prefix: String = "vigil-test") throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// Runs a process to completion, feeding `input` on stdin; returns (status, stdout, stderr).
    @discardableResult
    public static func run(_ executable: String, _ arguments: [String], input: Data? = nil,
                           environment: [String: String]? = nil, currentDirectory: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        if let currentDirectory { process.currentDirectoryURL = currentDirectory }
        let out = Pipe(), err = Pipe(), inPipe = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = inPipe
        try process.run()
        if let input { inPipe.fileHandleForWriting.write(input) }
        try inPipe.fileHandleForWriting.close()
        // Read both pipes concurrently so a full stderr pipe cannot block the child.
        let errData = LockedData()
        let errThread = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        errThread.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        while errData.get() == nil { Thread.sleep(forTimeInterval: 0.001) }
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData.get() ?? Data(), as: UTF8.self))
    }
}

final class LockedData: @unchecked Sendable {   // guarded by `lock`
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
    func get() -> Data? { lock.lock(); defer { lock.unlock() }; return data }
}

/// Relative/absolute closeness for expected values from numpy/scipy.
public func isClose(_ a: Double?, _ b: Double?, relative: Double = 1e-9, absolute: Double = 0) -> Bool {
    switch (a, b) {
    case (nil, nil): return true
    case let (x?, y?):
        if x == y { return true }
        return abs(x - y) <= max(absolute, relative * max(abs(x), abs(y)))
    default: return false
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension TestSupport {
    /// A blocking TCP socket connected to 127.0.0.1:`port`; the caller closes it.
    public static func connectLoopback(port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestError("socket: \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { close(fd); throw TestError("connect to port \(port): errno \(errno)") }
        return fd
    }

    /// A minimal blocking HTTP/1.1 GET on 127.0.0.1 (tests only; no FoundationNetworking needed).
    public static func httpGet(port: Int, path: String, headers: [String: String] = [:], timeoutSeconds: Int = 10) throws -> (status: Int, headers: [String: String], body: [UInt8]) {
        let fd = try connectLoopback(port: port)
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        request += "\r\n"
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == bytes.count else { throw TestError("send failed") }
        var response: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 { throw TestError("recv: errno \(errno)") }
            if n == 0 { break }
            response += chunk[0..<n]
        }
        guard let split = findHeaderEnd(response) else { throw TestError("no HTTP header in response") }
        let head = String(decoding: response[0..<split], as: UTF8.self).components(separatedBy: "\r\n")
        let statusParts = head[0].split(separator: " ")
        guard statusParts.count >= 2, let status = Int(statusParts[1]) else { throw TestError("bad status line \(head[0])") }
        var parsed: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            parsed[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        var body = Array(response[(split + 4)...])
        if parsed["transfer-encoding"]?.lowercased() == "chunked" { body = try dechunk(body) }
        return (status, parsed, body)
    }

    private static func findHeaderEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 { return i }
        return nil
    }

    private static func dechunk(_ bytes: [UInt8]) throws -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard let lineEnd = (i..<(bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { break }
            let sizeText = String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";")[0]
            guard let size = Int(sizeText, radix: 16) else { throw TestError("bad chunk size") }
            if size == 0 { break }
            out += bytes[(lineEnd + 2)..<(lineEnd + 2 + size)]
            i = lineEnd + 2 + size + 2
        }
        return out
    }

    /// Samples of a Prometheus text exposition: `name{labels}` → value.
    public static func parseExposition(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let value = line[line.index(after: space)...]
            samples[String(line[..<space])] = Double(value) ?? (value == "+Inf" ? .infinity : value == "-Inf" ? -.infinity : .nan)
        }
        return samples
    }
}

public struct TestError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension TestSupport {
    /// Runs `promtool check metrics` on an exposition. Returns nil when promtool is missing
    /// (callers fail under CI), else the problems it reported, less one lint finding that
    /// SPEC §9 makes unavoidable: `vigil_feature_quantile` and `vigil_prediction_quantile` are
    /// gauges with a `quantile` label by contract, which promtool's linter reserves for
    /// summaries. A parse error (exit status 1) is always reported.
    public static func promtoolProblems(_ exposition: String) throws -> [String]? {
        guard let promtool = findExecutable(env: "PROMTOOL", names: ["promtool"]) else { return nil }
        let result = try run(promtool, ["check", "metrics"], input: Data(exposition.utf8))
        if result.status == 0 { return [] }
        let lines = (result.stdout + "\n" + result.stderr).split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        guard result.status == 3 else { return ["promtool exit \(result.status)"] + lines }
        return lines.filter { !$0.hasSuffix("non-summary metrics should not have \"quantile\" label") }
    }
}

/// JSON parsed with correctly rounded numbers. Foundation's `JSONSerialization` on Linux is not
/// correctly rounded (it reads 59.699999999999996 as 59.7), which matters for expected values
/// compared at 1e-12; `JSONDecoder` is. Objects become `[String: Any]`, arrays `[Any]`, integers
/// `Int`, other numbers `Double`, null `NSNull`.
public enum JSON {
    public static func parse(_ data: Data) throws -> Any {
        try JSONDecoder().decode(Value.self, from: data).any
    }

    public static func parse(contentsOf path: String) throws -> Any {
        try parse(Data(contentsOf: URL(fileURLWithPath: path)))
    }

    /// A number from a parsed value (Int or Double); nil for anything else.
    public static func number(_ any: Any?) -> Double? {
        if let d = any as? Double { return d }
        if let i = any as? Int { return Double(i) }
        return nil
    }

    private enum Value: Decodable {
        case object([String: Value]), array([Value]), string(String), int(Int), double(Double), bool(Bool), null

        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int.self) { self = .int(i) }
            else if let d = try? c.decode(Double.self) { self = .double(d) }
            else if let s = try? c.decode(String.self) { self = .string(s) }
            else if let a = try? c.decode([Value].self) { self = .array(a) }
            else { self = .object(try c.decode([String: Value].self)) }
        }

        var any: Any {
            switch self {
            case .object(let o): o.mapValues(\.any)
            case .array(let a): a.map(\.any)
            case .string(let s): s
            case .int(let i): i
            case .double(let d): d
            case .bool(let b): b
            case .null: NSNull()
            }
        }
    }
}
