import Foundation
import Harness

/// The points of a sweep: protocols × sizes (replica counts, or fault counts that give each protocol
/// its own n) × clients × batch sizes × repeats (seeds seed, seed+1, …), in that nesting order.
struct SweepPlan {
    /// When neither --duration nor --ops is given, a point's window ends after this many operations.
    static let defaultOps = 1500
    /// A point's warm-up when --warmup is not given (a run's is 500ms).
    static let defaultWarmup = "200ms"

    var protocols: [String]
    var nodes: [Int]?
    var faults: [Int]?
    var clients: [Int]?
    var batches: [Int]?
    var repeats: Int
    var shell = "sim"

    func points(_ options: ExperimentOptions) throws -> [ExperimentSpec] {
        guard repeats >= 1 else { throw ExperimentError("--repeat must be at least 1 (got \(repeats))") }
        if nodes != nil && faults != nil { throw ExperimentError("give --nodes or --faults, not both") }
        var specs: [ExperimentSpec] = []
        for name in protocols {
            let entry = try ProtocolRegistry.entry(named: name)
            let sizes: [(Int?, Int?)]
            if let nodes { sizes = nodes.map { ($0, nil) } } else {
                sizes = (faults ?? Array(1 ... 10)).map { (entry.minimumReplicas($0), $0) }
            }
            for (n, f) in sizes {
                for c in clients ?? [options.clients] {
                    for b in batches ?? [options.batch] {
                        for r in 0 ..< repeats {
                            var spec = try options.spec(protocolName: name, nodes: n, faults: f, clients: c, batch: b,
                                                        seed: options.seed &+ UInt64(r), defaultOps: Self.defaultOps, defaultWarmup: Self.defaultWarmup)
                            spec.shell = shell
                            specs.append(spec)
                        }
                    }
                }
            }
        }
        return specs
    }
}

/// Parses `3,5,7` or `1-10` or `1...10` lists of integers.
func parseIntegerList(_ text: String, flag: String) throws -> [Int] {
    var values: [Int] = []
    for part in text.split(separator: ",") {
        let range = part.contains("...") ? part.components(separatedBy: "...") : part.split(separator: "-").map(String.init)
        if range.count == 2, let a = Int(range[0]), let b = Int(range[1]), a <= b {
            values += Array(a ... b)
        } else if let v = Int(part) {
            values.append(v)
        } else {
            throw ExperimentError("\(flag) '\(text)' must be a list like 3,5,7 or a range like 1-10")
        }
    }
    guard !values.isEmpty else { throw ExperimentError("\(flag) is empty") }
    return values
}
