import Foundation
import Harness
import Report

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
            text += CSVWriter.line([
                String(point), String(index), formatDecimal(p.rate, places: 1), formatDecimal(p.result.throughputOpsPerSecond, places: 1),
                formatDecimal(p.completedRatio, places: 4), formatDecimal(p.latencyMicros, places: 1),
                formatDecimal(p.result.latency.p50, places: 1), formatDecimal(p.result.latency.p99, places: 1), p.met ? "true" : "false",
            ])
            index += 1
            if !quiet {
                let line = "knee: \(spec.protocolName) n=\(spec.nodes ?? 0) offered \(formatDecimal(p.rate, places: 0)) ops/s: completed \(formatDecimal(p.completedRatio * 100, places: 1)) %, \(search.slo.percentile.rawValue) \(formatDecimal(p.latencyMicros / 1000, places: 2)) ms: \(p.met ? "met" : "missed")\n"
                FileHandle.standardError.write(Data(line.utf8))
            }
        }
        return (outcome.capacity, text)
    }
}

/// knee.csv, written a point at a time like the other files.
final class KneeFile {
    private let handle: FileHandle

    init(directory: String) throws {
        let path = directory + "/knee.csv"
        guard FileManager.default.createFile(atPath: path, contents: Data(CSVWriter.line(KneeReport.columns).utf8)),
              let handle = FileHandle(forWritingAtPath: path) else { throw ExperimentError("cannot write '\(path)'") }
        handle.seekToEndOfFile()
        self.handle = handle
    }

    func append(_ rows: String) {
        guard !rows.isEmpty else { return }
        handle.write(Data(rows.utf8))
        try? handle.synchronize()
    }

    deinit { try? handle.close() }
}
