import Foundation
import Harness
import Report

/// `--knee` on the command line: runs the search with one progress line per probe on stderr, writes
/// every probe to knee.csv, and returns the capacity probe's result with `capacityOpsPerSecond` set.
enum KneeReport {
    static let columns = ["probe", "offered_ops_s", "throughput_ops_s", "completed_ratio", "slo_latency_us", "latency_p50_us",
                          "latency_p99_us", "met"]

    static func run(_ search: KneeSearch, spec: ExperimentSpec, directory: String, quiet: Bool = false) throws -> RunResult? {
        var text = CSVWriter.line(columns)
        var index = 0
        let outcome = try search.run(spec) { p in
            text += CSVWriter.line([
                String(index), formatDecimal(p.rate, places: 1), formatDecimal(p.result.throughputOpsPerSecond, places: 1),
                formatDecimal(p.completedRatio, places: 4), formatDecimal(p.latencyMicros, places: 1),
                formatDecimal(p.result.latency.p50, places: 1), formatDecimal(p.result.latency.p99, places: 1), p.met ? "true" : "false",
            ])
            index += 1
            if !quiet {
                let line = "knee: \(spec.protocolName) n=\(spec.nodes ?? 0) offered \(formatDecimal(p.rate, places: 0)) ops/s: completed \(formatDecimal(p.completedRatio * 100, places: 1)) %, \(search.slo.percentile.rawValue) \(formatDecimal(p.latencyMicros / 1000, places: 2)) ms: \(p.met ? "met" : "missed")\n"
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
        try Data(text.utf8).write(to: URL(fileURLWithPath: directory + "/knee.csv"), options: .atomic)
        guard let capacity = outcome.capacity else { return nil }
        var result = capacity.result
        result.capacityOpsPerSecond = capacity.rate
        return result
    }
}
