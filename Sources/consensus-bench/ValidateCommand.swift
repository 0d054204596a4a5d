import ArgumentParser
import Foundation
import Harness
import Report

/// `consensus-bench validate`: the simulator, charged with a measured cost profile over the loopback
/// link it measured, against the tcp shell on the same workload; prints the table, writes
/// validation.csv and a sim-against-tcp plot. Without `--profile` it calibrates this machine first
/// (about 15 s): the loopback round trip of the project VM moved by a factor of 3 between sessions, so
/// a profile measured on another day predicts another machine.
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Run the same workloads in the simulator (with a cost profile: without --profile, this machine's, calibrated first) and over tcp, and compare capacity, latency and costs.",
        discussion: ExperimentOptions.protocolOptionsHelp)

    @Option(help: "Protocol:sizes pairs, e.g. raft:3,5 (repeatable; default raft:3,5 multipaxos:3,5 pbft:4,7).")
    var cluster: [String] = []
    @Option(help: "Output folder (default: results/validate-<UTC date-time>).")
    var out: String?
    @Option(help: "The knee's latency objective: 10ms, or p99=10ms.")
    var slo: String?
    @OptionGroup var experiment: ExperimentOptions

    /// Every protocol the project machine's profile measured (its own cost table: what validation
    /// checks), at its smallest clusters for f = 1 and 2 (raft:3,5 … pbft:4,7). HotStuff has no steady
    /// state recorded for `calibrate` yet; `--cluster hotstuff:4` validates it against the flat costs.
    static var defaultClusters: [String] {
        ProtocolRegistry.all.filter { CostProfile.projectMachine.protocols[$0.name] != nil }
            .map { "\($0.name):\($0.minimumReplicas(1)),\($0.minimumReplicas(2))" }
    }
    static let columns = ["protocol", "nodes", "metric", "unit", "sim", "tcp", "ratio"]
    /// knee.csv: `run --knee`'s probe columns, each probe placed by protocol, size and shell.
    static let kneeColumns = ["protocol", "nodes", "shell"] + KneeReport.columns.dropFirst()

    func run() throws {
        guard experiment.rate == nil else { throw ExperimentError("validate sets the open-loop rates itself: drop --rate") }
        var points: [(String, Int)] = []
        for text in cluster.isEmpty ? Self.defaultClusters : cluster {
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw ExperimentError("--cluster '\(text)' must be protocol:sizes, e.g. raft:3,5") }
            for n in try parseIntegerList(parts[1], flag: "--cluster") { points.append((parts[0], n)) }
        }
        // Each spec with its replica count, resolved once here: an impossible size fails before anything runs.
        var specs: [(spec: ExperimentSpec, replicas: Int)] = []
        for (name, n) in points {
            var spec = try experiment.spec(protocolName: name, nodes: n, faults: nil)
            spec.quietPeriod = .milliseconds(200)
            specs.append((spec, try ResolvedExperiment(spec).cluster.replicaCount))
        }
        guard experiment.cpuPerMessage == nil else { throw ExperimentError("validate compares a cost profile with tcp: drop --cpu-per-message") }
        let directory = out ?? "results/validate-" + Timestamp.compactUTC()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let costs = try experiment.profile.map { try CostProfileOption.resolve($0, flatPerMessage: nil) }
            ?? calibrateFirst(saving: directory + "/profile.yaml")
        guard let profile = costs.profile else { throw ExperimentError("validate needs a cost profile") }
        var validation = Validation(profile: profile)
        if let slo { validation.knee.slo = try KneeSearch.SLO(parsing: slo) }
        var csv = CSVWriter(header: Self.columns)
        // Every knee probe of both shells, as it completes: why a knee ended where it did (a rate that
        // missed twice, by latency or by completions) is what a surprising capacity ratio needs.
        var kneeCSV = CSVWriter(header: Self.kneeColumns)
        var rows: [Validation.Row] = []
        print(pad("protocol", 12) + pad("n", 4) + pad("metric", 24) + pad("sim", 12, right: true) + pad("tcp", 12, right: true)
            + pad("sim/tcp", 9, right: true))
        for (spec, n) in specs {
            var probes = ["sim": 0, "tcp": 0]
            var kneeWriteError: (any Error)?  // the probe callback cannot throw: the first failure ends validate once the cluster's rows are written
            let compared = try validation.compare(spec, progress: { FileHandle.standardError.write(Data("validate: \($0)\n".utf8)) }) { shell, p in
                kneeCSV.append([spec.protocolName, String(n), shell, String(probes[shell, default: 0])] + KneeReport.fields(p))
                probes[shell, default: 0] += 1
                do {
                    try kneeCSV.text.write(toFile: directory + "/knee.csv", atomically: true, encoding: .utf8)
                } catch {
                    kneeWriteError = kneeWriteError ?? error
                }
                let line = KneeReport.progressLine(p, search: validation.knee, label: "\(spec.protocolName) n=\(n) \(shell)")
                FileHandle.standardError.write(Data(line.utf8))
            }
            for row in compared {
                rows.append(row)
                csv.append([row.protocolName, String(row.nodes), row.metric, row.unit, value(row.sim), value(row.tcp),
                            row.ratio.map { formatDecimal($0, places: 3) } ?? ""])
                try csv.text.write(toFile: directory + "/validation.csv", atomically: true, encoding: .utf8)
                print(pad(row.protocolName, 12) + pad(String(row.nodes), 4) + pad(row.metric, 24) + pad(value(row.sim), 12, right: true)
                    + pad(value(row.tcp), 12, right: true) + pad(row.ratio.map { formatDecimal($0, places: 2) } ?? "", 9, right: true))
            }
            // After the cluster's rows are written: what was measured is kept.
            if let kneeWriteError { throw ExperimentError("cannot write \(directory)/knee.csv: \(kneeWriteError.localizedDescription)") }
        }
        let chart = ValidationPlot.chart(rows.map { ($0.metric, $0.sim, $0.tcp) })
        try chart.svg().write(toFile: directory + "/validation.svg", atomically: true, encoding: .utf8)
        let twin = profile.loopbackNetwork(ticks: profile.network.eventLoopTicks != nil)
        var model = "simulated link \(twin.latency.nanoseconds) ns + jitter \(twin.jitter.nanoseconds) ns"
        if let ticks = profile.network.eventLoopTicks {
            model += "; event loops charged \(ticks.perWakeUp.nanoseconds) ns per wake-up, \(ticks.perSyscall.nanoseconds) ns per syscall"
                + " and \(profile.transportPerFrame(ticks: true)) ns per frame"
        } else {
            model += "; \(profile.network.perFrame) ns per frame (the profile does not take syscalls apart)"
        }
        print("cost profile: \(costs.name); \(model)")
        print("wrote \(directory)/validation.csv, validation.svg and knee.csv (every knee probe)")
    }

    /// Runs `calibrate --save path` with its tables on stderr (stdout carries the validation table), and
    /// charges what it measured.
    func calibrateFirst(saving path: String) throws -> (profile: CostProfile?, name: String) {
        FileHandle.standardError.write(Data("validate: calibrating this machine first (use --profile FILE to charge a saved profile)\n".utf8))
        let calibration = try CalibrateCommand.parse(["--save", path, "--disk-dir", (path as NSString).deletingLastPathComponent])
        fflush(nil)
        let savedStdout = dup(STDOUT_FILENO)
        dup2(STDERR_FILENO, STDOUT_FILENO)
        defer {
            fflush(nil)
            dup2(savedStdout, STDOUT_FILENO)
            close(savedStdout)
        }
        try calibration.run()
        return (try CostProfileOption.resolve(path, flatPerMessage: nil).profile, "measured now, saved as \(path)")
    }

    func value(_ v: Double?) -> String { v.map { formatDecimal($0, places: 1) } ?? "" }

    func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
        let fill = String(repeating: " ", count: max(1, width - text.count))
        return right ? fill + text : text + fill
    }
}
