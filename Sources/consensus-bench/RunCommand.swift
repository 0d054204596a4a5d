import ArgumentParser
import Foundation
import Harness
import Logging
import Report

/// `consensus-bench run`: one experiment point, its CSV files and a one-screen summary.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one cluster under load in a shell (simulator, TCP in one process, or one process per replica) and write its CSV files.",
        discussion: ExperimentOptions.protocolOptionsHelp)

    @Option(name: .customLong("protocol"), help: "\(ProtocolRegistry.names.joined(separator: ", ")).")
    var protocolName: String = "raft"
    @Option(help: "Replicas (default: the fewest that tolerate --faults).")
    var nodes: Int?
    @Option(help: "Faults the cluster must tolerate (default: the most --nodes allows).")
    var faults: Int?
    @Option(help: "Shell: sim (deterministic simulator), tcp (real sockets, one process) or process (one process per replica).")
    var shell: String = "sim"
    @Option(help: "Output folder (default: results/run-<UTC date-time>).")
    var out: String?
    @Flag(help: "Also write history.jsonl, one line per client operation.")
    var history = false
    @OptionGroup var kneeOptions: KneeOptions
    @OptionGroup var experiment: ExperimentOptions

    func run() throws {
        var spec = try experiment.spec(protocolName: protocolName, nodes: nodes, faults: faults)
        spec.shell = shell
        let resolved = try ResolvedExperiment(spec)
        for warning in resolved.warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
        let search = try kneeOptions.search(rate: experiment.rate)
        let directory = out ?? "results/run-" + Timestamp.compactUTC()
        let files = try ResultFiles(directory: directory, knee: search != nil)
        var manifest = Manifest()
        let started = Date()
        let result: RunResult
        if let search {
            let (capacity, rows) = try KneeReport.search(search, spec: resolved.spec, point: 0, quiet: false)
            files.appendKnee(rows)
            guard let capacity else {
                throw ExperimentError("no open-loop rate met \(search.slo) with 95 % completed (knee.csv lists the probes)")
            }
            var found = capacity.result
            found.capacityOpsPerSecond = capacity.rate
            result = found
        } else {
            result = try resolved.run()
        }
        let wall = Date().timeIntervalSince(started)
        files.append(PointOutput(point: 0, result: result, wallSeconds: wall, kneeRows: "", describe: ""))
        if history { try HistoryFile.write(result, to: directory + "/history.jsonl") }
        manifest.add(Manifest.entry(point: 0, result: result, wallSeconds: wall))
        manifest.write(to: directory)
        print(Summary.text(result))
        if let capacity = result.capacityOpsPerSecond, let search {
            print("capacity \(formatDecimal(capacity, places: 0)) ops/s: the highest offered rate with \(search.slo) and 95 % completed (knee.csv: every probe)")
        }
        if result.ops == 0 {
            print("no operation completed in the window: the latency and per-operation columns of runs.csv are empty")
        }
        for note in result.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
        if search == nil, result.saturated == true, let rate = result.offeredOpsPerSecond {
            FileHandle.standardError.write(Data("warning: the cluster did not keep up with --rate \(formatDecimal(rate, places: 0)): it completed \(formatDecimal(result.throughputOpsPerSecond, places: 0)) ops/s (saturated in runs.csv)\n".utf8))
        }
        if result.spec.shell == "sim" {
            print("simulated \(result.messagesSimulated) messages, \(result.eventsProcessed) events in \(formatSeconds(wall)) s wall (\(Int(Double(result.messagesSimulated) / max(wall, 1e-9))) messages/s)")
        } else {
            print("sent \(result.messagesSimulated) messages over \(result.spec.shell) in \(formatSeconds(wall)) s wall")
        }
        print("wrote \(directory)/")
        if !result.isSafe { throw ExitCode(3) }
    }
}

func formatSeconds(_ s: Double) -> String {
    let ms = Int((s * 1000).rounded())
    return "\(ms / 1000).\(String(ms % 1000).leftPadded(to: 3))"
}

extension String {
    func leftPadded(to width: Int, with pad: Character = "0") -> String {
        count >= width ? self : String(repeating: pad, count: width - count) + self
    }
}

enum Timestamp {
    /// `20261127T031500Z`: sortable, and safe in a folder name.
    static func compactUTC(_ date: Date = Date()) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ v: Int?) -> String { String(v ?? 0).leftPadded(to: 2) }
        return "\(c.year ?? 0)\(two(c.month))\(two(c.day))T\(two(c.hour))\(two(c.minute))\(two(c.second))Z"
    }
}
