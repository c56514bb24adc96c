// libFuzzer target: `Configuration.parse(yaml:)`, the YAML (Yams) reader and every validation rule.
//
// Deterministic by construction: the environment is empty (no `${VAR}` comes from the process), and
// the configuration may name files (TLS, token and routing-key files, `*_file` headers), so an
// input in which any scalar is an absolute path or climbs with `..` is skipped; relative paths
// resolve under a folder that does not exist, so every file read fails the same way each run.
// (Without this a path like /dev/zero or /proc/self/... would make runs hang or differ.)
import Foundation

let baseDirectory = "/nonexistent/vigil-fuzz-config"

func namesFileOutsideBase(_ value: ConfigValue) -> Bool {
    switch value {
    case .scalar(let text, _): text.hasPrefix("/") || text.contains("..")
    case .mapping(let pairs): pairs.contains { namesFileOutsideBase(.scalar($0.key, isNull: false)) || namesFileOutsideBase($0.value) }
    case .sequence(let items): items.contains(where: namesFileOutsideBase)
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self)
    var problems: [String] = []
    if let root = ConfigValue.parse(yaml: text, environment: [:], problems: &problems), namesFileOutsideBase(root) { return -1 }
    do {
        let configuration = try Configuration.parse(yaml: text, baseDirectory: baseDirectory, environment: [:])
        // What the agent derives from a valid configuration next.
        for model in configuration.models { _ = model.schema }
    } catch {
        precondition(!error.problems.isEmpty, "a configuration error must name at least one problem")
    }
    return 0
}
