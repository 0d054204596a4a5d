import Foundation
import Harness
import Yams

/// A sweep described in YAML (`--config sweep.yaml`). Keys are the sweep's flag names; a list value of
/// a list flag (protocols, nodes, faults, clients-list, batch-list) is joined with commas, a list value
/// of a repeatable fault flag (crash, restart, partition, heal, byzantine) repeats it. The file becomes
/// the equivalent command line, so the two can never drift apart.
///
///     protocols: [raft, pbft]
///     faults: [1, 2, 3]
///     clients: 32
///     ops: 5000
///     crash: ["leader@1s"]
enum SweepConfigFile {
    static let listKeys: Set<String> = ["protocols", "nodes", "faults", "clients-list", "batch-list"]
    static let repeatableKeys: Set<String> = ["crash", "restart", "partition", "heal", "byzantine"]
    static let flagKeys: Set<String> = ["allow-unsafe", "no-check", "quiet", "knee", "push-binary"]
    /// Shared flags, and every registered protocol's options (`auth`, `paxos-commit`, …).
    static var scalarKeys: Set<String> { sharedScalarKeys.union(ProtocolRegistry.options.map(\.flag)) }
    static let sharedScalarKeys: Set<String> = [
        "repeat", "jobs", "out", "shell", "hosts", "clients", "duration", "ops", "warmup", "quiet-period", "rate", "keys", "key-distribution",
        "read-ratio", "cas-ratio", "value-size", "timeout", "batch", "pipeline", "seed", "link-latency", "jitter", "bandwidth", "loss", "duplicate", "reorder",
        "slo", "profile", "shared-cpus", "allocator", "cpu-per-message", "cpu-per-mac", "cpu-per-signature", "cpu-per-signature-check", "cpu-per-digest", "cpu-per-persist", "sync", "crash-kind", "sync-latency", "bind", "tcp-threads", "tcp-generator-threads",
    ]

    static func command(from path: String) throws -> SweepCommand {
        guard let data = FileManager.default.contents(atPath: path) else { throw ExperimentError("cannot read sweep file '\(path)'") }
        return try command(yaml: String(decoding: data, as: UTF8.self), file: path)
    }

    /// The sweep `text` describes (`file` names it in errors).
    static func command(yaml text: String, file path: String) throws -> SweepCommand {
        let arguments = try arguments(yaml: text, file: path)
        do {
            return try SweepCommand.parse(arguments)
        } catch {
            let message = SweepCommand.message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            throw ExperimentError("\(path): \(message)")
        }
    }

    /// The command-line arguments a YAML sweep file stands for.
    static func arguments(yaml text: String, file: String) throws -> [String] {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let first = "\(error)".split(separator: "\n").first.map(String.init) ?? "malformed YAML"
            throw ExperimentError("\(file): malformed YAML: \(first)")
        }
        guard let root else { throw ExperimentError("\(file): the sweep file is empty") }
        guard let mapping = root.mapping else { throw ExperimentError("\(file):\(line(root)): the sweep file must be a mapping of flag names to values") }
        var args: [String] = []
        for (keyNode, value) in mapping {
            guard let key = keyNode.string else { throw ExperimentError("\(file):\(line(keyNode)): keys must be flag names") }
            let at = "\(file):\(line(keyNode))"
            if listKeys.contains(key) {
                args += ["--\(key)", try scalars(value, at: at, key: key).joined(separator: ",")]
            } else if repeatableKeys.contains(key) {
                for v in try scalars(value, at: at, key: key) { args += ["--\(key)", v] }
            } else if flagKeys.contains(key) {
                guard let b = value.bool else { throw ExperimentError("\(at): '\(key)' must be true or false") }
                if b { args.append("--\(key)") }
            } else if scalarKeys.contains(key) {
                guard value.scalar != nil, let s = value.string else { throw ExperimentError("\(at): '\(key)' must be a single value") }
                args += ["--\(key)", s]
            } else if key == "config" {
                throw ExperimentError("\(at): a sweep file cannot name another config file")
            } else {
                throw ExperimentError("\(at): unknown key '\(key)' (keys are the sweep's flag names, e.g. protocols, faults, clients, ops)")
            }
        }
        return args
    }

    static func scalars(_ node: Node, at: String, key: String) throws -> [String] {
        if let seq = node.sequence {
            return try seq.map { item in
                guard let s = item.string, item.scalar != nil else { throw ExperimentError("\(at): '\(key)' must be a list of plain values") }
                return s
            }
        }
        guard let s = node.string, node.scalar != nil else { throw ExperimentError("\(at): '\(key)' must be a value or a list") }
        return [s]
    }

    static func line(_ node: Node) -> Int { (node.mark?.line ?? 0) }
}
