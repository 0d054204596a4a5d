import Foundation
import Harness
import Report

/// The CSV files of a run or a sweep, written as each point completes: every file gets its point's rows
/// in one write, flushed at once, and runs.csv last, so an interrupted sweep leaves valid CSV in which
/// every row of runs.csv has its details in the other files.
final class ResultFiles {
    /// runs.csv's columns: the shared ones around every registered protocol's options (one column each,
    /// empty in the rows of protocols that do not declare it).
    static let runColumns = RunsSchema.columns(protocolColumns: ProtocolRegistry.options.map(\.column))

    /// Columns that describe the simulator's network model: empty in a row of a real shell (tcp,
    /// process), which has no simulated link. The model's other knobs (jitter, bandwidth, loss, CPU
    /// costs) are not columns; a run's command line in manifest.json records them.
    static let simulatorOnlyColumns: Set<String> = ["link_latency_us"]

    /// Columns with no value when no operation completed in the window (latencies of nothing, and
    /// costs divided by zero): empty rather than 0, which would read as a measurement.
    static let perOperationColumns: Set<String> = [
        "latency_p50_us", "latency_p90_us", "latency_p99_us", "latency_p999_us", "latency_max_us",
        "messages_per_op", "bytes_per_op",
    ]

    let directory: String
    private let runs: FileHandle
    private let messages: FileHandle
    private let latency: FileHandle
    private let timeseries: FileHandle
    /// knee.csv, with `--knee` only.
    private let knee: FileHandle?

    init(directory: String, knee withKnee: Bool = false) throws {
        self.directory = directory
        let fm = FileManager.default
        do {
            try fm.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ExperimentError("cannot create output folder '\(directory)': \(error.localizedDescription)")
        }
        func open(_ name: String, header: [String]) throws -> FileHandle {
            let path = directory + "/" + name
            guard fm.createFile(atPath: path, contents: Data(CSVWriter.line(header).utf8)),
                  let handle = FileHandle(forWritingAtPath: path) else {
                throw ExperimentError("cannot write '\(path)'")
            }
            handle.seekToEndOfFile()
            return handle
        }
        messages = try open("messages.csv", header: ["point", "type", "count", "bytes"])
        latency = try open("latency.csv", header: ["point", "percentile", "latency_us"])
        timeseries = try open("timeseries.csv", header: ["point", "start_s", "bucket_s", "completed_ops", "throughput_ops_s", "p99_us"])
        runs = try open("runs.csv", header: Self.runColumns)
        knee = withKnee ? try open("knee.csv", header: KneeReport.columns) : nil
    }

    static let priceOfBFTColumns = ["protocol", "nodes", "faults", "byzantine", "ops", "messages_per_op", "violations", "linearizable", "safety"]

    /// Writes price_of_bft.csv, the sweep's Byzantine table (`PriceOfBFT`), in one write.
    static func writePriceOfBFT(_ rows: [PriceOfBFT.Row], directory: String) throws {
        var text = CSVWriter.line(priceOfBFTColumns)
        for r in rows {
            text += CSVWriter.line([r.protocolName, String(r.nodes), String(r.faults), r.byzantine.joined(separator: " "), String(r.ops),
                                    formatDecimal(r.messagesPerOp, places: 3), String(r.violations.count), r.linearizable,
                                    r.safetyHeld ? "held" : "broken"])
        }
        let path = directory + "/price_of_bft.csv"
        guard FileManager.default.createFile(atPath: path, contents: Data(text.utf8)) else { throw ExperimentError("cannot write '\(path)'") }
    }

    /// Appends a point's knee probes (`KneeReport.search`'s rows) to knee.csv.
    func appendKnee(_ rows: String) {
        if let knee { write(rows, to: knee) }
    }

    deinit {
        try? runs.close(); try? messages.close(); try? latency.close(); try? timeseries.close(); try? knee?.close()
    }

    /// Appends one point's rows to every file (knee.csv first, runs.csv last).
    func append(_ output: PointOutput) {
        appendKnee(output.knee)
        write(output.messages, to: messages)
        write(output.latency, to: latency)
        write(output.timeseries, to: timeseries)
        write(output.runs, to: runs)
    }

    private func write(_ text: String, to handle: FileHandle) {
        guard !text.isEmpty else { return }
        handle.write(Data(text.utf8))
        try? handle.synchronize()
    }

    static func runRow(_ r: RunResult, point: Int) -> [String] {
        let s = r.spec
        let w = s.workload
        let faults = s.faultSchedule.map { "\($0.fault)@\($0.at)" }.joined(separator: ";")
        var row: [String] = [
            String(point), s.protocolName, s.shell, String(s.nodes ?? 0), String(s.faults ?? 0), String(w.clients), String(s.seed),
            String(r.ops), formatDecimal(r.windowSeconds, places: 6),
            formatDecimal(r.throughputOpsPerSecond, places: 1),
            formatDecimal(r.latency.p50, places: 1), formatDecimal(r.latency.p90, places: 1), formatDecimal(r.latency.p99, places: 1),
            formatDecimal(r.latency.p999, places: 1), formatDecimal(r.latency.max, places: 1),
            formatDecimal(r.messagesPerOp, places: 4), formatDecimal(r.bytesPerOp, places: 2),
            String(r.leaderChanges), r.linearizable,
            String(s.batch), s.pipeline.map(String.init) ?? "default", w.ratePerSecond == nil ? "closed" : "open",
            r.offeredOpsPerSecond.map { formatDecimal($0, places: 1) } ?? "", r.saturated.map { $0 ? "true" : "false" } ?? "",
            r.capacityOpsPerSecond.map { formatDecimal($0, places: 1) } ?? "", String(w.keyCount), w.keyDistribution.description,
            formatDecimal(w.readRatio, places: 3), formatDecimal(w.casRatio, places: 3), String(w.valueSize),
        ]
        let entry = try? ProtocolRegistry.entry(named: s.protocolName)
        row += ProtocolRegistry.options.map { option in
            guard let entry, entry.declares(option.flag) else { return "" }
            return entry.value(of: option, in: s)
        }
        row += [
            formatDecimal(Double(s.network.latency.nanoseconds) / 1000, places: 1), faults,
            formatDecimal(r.longestStallMillis, places: 3), String(r.violations.count), String(r.rejectedCounts.reduce(0, +)),
            s.durability.sync.rawValue, s.durability.crashKind.rawValue, String(r.syncs), formatDecimal(r.recordsPerSync, places: 2),
        ]
        if s.shell != "sim" {
            for (index, column) in runColumns.enumerated() where simulatorOnlyColumns.contains(column) { row[index] = "" }
        }
        if r.ops == 0 {
            for (index, column) in runColumns.enumerated() where perOperationColumns.contains(column) { row[index] = "" }
        }
        return row
    }
}
