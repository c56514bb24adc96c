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
