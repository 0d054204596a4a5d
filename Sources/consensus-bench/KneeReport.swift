import ArgumentParser
import Foundation
import Harness
import Report

/// `--knee` and `--slo`, as `run` and `sweep` take them.
struct KneeOptions: ParsableArguments {
    @Flag(help: "Find the saturation knee (each point's, in a sweep): raise an open-loop rate until the --slo latency or completions (95 % of offered) fail, bisect to 5 %, and report the highest rate that met both as capacity_ops_s (every probe in knee.csv; a sweep also plots capacity).")
    var knee = false
    @Option(help: "The knee's latency objective: 10ms, or p99=10ms (p50, p90, p99, p999).")
    var slo: String?

    /// The search these flags ask for, nil without `--knee`; one line if they contradict `rate`.
    func search(rate: Double?) throws -> KneeSearch? {
        guard knee else {
            if slo != nil { throw ExperimentError("--slo goes with --knee") }
            return nil
        }
        guard rate == nil else { throw ExperimentError("--knee sets the open-loop rate itself: drop --rate") }
        var k = KneeSearch()
        if let slo { k.slo = try KneeSearch.SLO(parsing: slo) }
        return k
    }
}

/// `--knee` on the command line: runs the search (with one progress line per probe on stderr unless
/// quiet) and keeps every probe as a row of knee.csv.
enum KneeReport {
    static let columns = ["point", "probe", "offered_ops_s", "throughput_ops_s", "completed_ratio", "slo_latency_us",
                          "latency_p50_us", "latency_p99_us", "met"]

    /// The capacity probe (nil if no rate met the objective) and knee.csv's rows for `point`.
    static func search(_ search: KneeSearch, spec: ExperimentSpec, point: Int, quiet: Bool) throws -> (capacity: KneeSearch.Probe?, rows: String) {
        var text = ""
        var index = 0
        let outcome = try search.run(spec) { p in
            text += CSVWriter.line([String(point), String(index)] + fields(p))
            index += 1
            if !quiet { FileHandle.standardError.write(Data(progressLine(p, search: search, label: "\(spec.protocolName) n=\(spec.nodes ?? 0)").utf8)) }
        }
        return (outcome.capacity, text)
    }

    /// A probe's columns after the ones that say where it belongs (`columns` from offered_ops_s on).
    static func fields(_ p: KneeSearch.Probe) -> [String] {
        [formatDecimal(p.rate, places: 1), formatDecimal(p.result.throughputOpsPerSecond, places: 1),
         formatDecimal(p.completedRatio, places: 4), formatDecimal(p.latencyMicros, places: 1),
         formatDecimal(p.result.latency.p50, places: 1), formatDecimal(p.result.latency.p99, places: 1), p.met ? "true" : "false"]
    }

    /// `knee: raft n=3 offered 1000 ops/s: completed 99.8 %, p99 1.20 ms: met`, for stderr.
    static func progressLine(_ p: KneeSearch.Probe, search: KneeSearch, label: String) -> String {
        "knee: \(label) offered \(formatDecimal(p.rate, places: 0)) ops/s: completed \(formatDecimal(p.completedRatio * 100, places: 1)) %, "
            + "\(search.slo.percentile.rawValue) \(formatDecimal(p.latencyMicros / 1000, places: 2)) ms: \(p.met ? "met" : "missed")\n"
    }
}
