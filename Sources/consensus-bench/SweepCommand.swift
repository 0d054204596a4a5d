import ArgumentParser
import Foundation
import Harness
import Logging
import Loopback
import Report

/// `consensus-bench sweep`: the cross product of protocols × sizes × clients × batch sizes × repeats,
/// run in parallel in the simulator (one at a time in the tcp and process shells), written point by point,
/// then fitted and plotted.
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Sweep protocols × cluster sizes and write CSV, fits and SVG plots.",
        discussion: """
        With no arguments it runs the reference sweep: every protocol (Raft, Multi-Paxos, PBFT, HotStuff) \
        at f = 1…10 (n = 2f+1, and 3f+1 for PBFT and HotStuff), \(SweepPlan.defaultOps) operations per point after a \(SweepPlan.defaultWarmup) \
        warm-up, seed 1, in the simulator.

        \(ExperimentOptions.protocolOptionsHelp)
        """)

    @Option(help: "Comma-separated protocols.")
    var protocols: String = ProtocolRegistry.names.joined(separator: ",")
    @Option(help: "Replica counts, e.g. 3,5,7 (exclusive with --faults).")
    var nodes: String?
    @Option(help: "Fault counts, e.g. 1,2,3 or 1-10: n = 2f+1 (Raft, Multi-Paxos) or 3f+1 (PBFT, HotStuff). Default 1-10.")
    var faults: String?
    @Option(name: .customLong("clients-list"), help: "Several client counts, e.g. 16,64 (default: --clients).")
    var clientsList: String?
    @Option(name: .customLong("batch-list"), help: "Several batch sizes, e.g. 1,16 (default: --batch).")
    var batchList: String?
    @Option(help: "Run each point R times with seeds seed, seed+1, …")
    var `repeat`: Int = 1
    @Option(help: "Shell: sim (the deterministic simulator), tcp (real sockets, one process) or process (one process per replica; needs --duration). tcp and process points run one at a time.")
    var shell: String = "sim"
    @Option(help: "Points run in parallel (default: the number of cores; always 1 with --shell tcp or process).")
    var jobs: Int?
    @Option(help: "Output folder (default: results/<UTC date-time>).")
    var out: String?
    @Option(help: "Read the sweep from a YAML file whose keys are these flags' names.")
    var config: String?
    @Flag(help: "No progress bar.")
    var quiet = false
    @Flag(help: "Also run one Byzantine replica per protocol (price_of_bft.csv, a table in index.html). On by default in the reference sweep (no --nodes, --faults or --config).")
    var priceOfBft = false
    @OptionGroup var kneeOptions: KneeOptions
    @OptionGroup var experiment: ExperimentOptions
    @Option(name: .customLong("worker-points"), help: .hidden)
    var workerPoints: String?
    @Option(name: .customLong("worker-config"), help: .hidden)
    var workerConfig: String?

    func run() throws {
        if let workerConfig {
            // A worker of `sweep --hosts`: the parent's sweep file, sent as text.
            var fromFile = try SweepConfigFile.command(yaml: workerConfig, file: "the parent's sweep file")
            fromFile.workerPoints = workerPoints
            // The hosts file is the parent's business (and may not exist on this host).
            fromFile.experiment.hostOptions.hosts = nil
            fromFile.experiment.hostOptions.pushBinary = false
            fromFile.config = "-"
            return try fromFile.execute()
        }
        if let config {
            var fromFile = try SweepConfigFile.command(from: config)
            if fromFile.out == nil { fromFile.out = out }
            if fromFile.jobs == nil { fromFile.jobs = jobs }
            fromFile.quiet = fromFile.quiet || quiet
            fromFile.config = config  // read by execute() only to tell a described sweep from the reference one
            if fromFile.experiment.hostOptions.hosts == nil {
                fromFile.experiment.hostOptions.hosts = experiment.hostOptions.hosts
                fromFile.experiment.hostOptions.pushBinary = fromFile.experiment.hostOptions.pushBinary || experiment.hostOptions.pushBinary
            }
            return try fromFile.execute()
        }
        try execute()
    }

    func execute() throws {
        // Ctrl-C ends the sweep at once, even when the parent started it with SIGINT ignored: every row
        // already in the files was written whole, so what is there is valid CSV.
        // (A parent may also have left SIGINT blocked in the mask we inherited: unblock it.)
        var interrupt = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &interrupt, nil)
        signal(SIGINT) { _ in _exit(130) }
        let plan = SweepPlan(
            protocols: protocols.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) },
            nodes: try nodes.map { try parseIntegerList($0, flag: "--nodes") },
            faults: try faults.map { try parseIntegerList($0, flag: "--faults") },
            clients: try clientsList.map { try parseIntegerList($0, flag: "--clients-list") },
            batches: try batchList.map { try parseIntegerList($0, flag: "--batch-list") },
            repeats: `repeat`,
            shell: shell)
        var specs = try plan.points(experiment)
        // Spread over --hosts, a simulated point runs on some host, not on hosts of its own.
        let hostsFile = shell == "sim" && workerPoints == nil ? try experiment.hostOptions.load() : nil
        if shell == "sim" { for i in specs.indices { specs[i].hosts = nil } }
        let resolved = try specs.map { try ResolvedExperiment($0) }
        let search = try kneeOptions.search(rate: experiment.rate)
        if let workerPoints { return try work(points: try parseIntegerList(workerPoints, flag: "--worker-points"), resolved: resolved, search: search) }
        let workers = try hostsFile.map { try RemoteWorkers($0, pushBinary: experiment.hostOptions.pushBinary) }
        // Real-socket points share the machine's cores with the cluster they measure: one at a time.
        let localJobs = max(1, jobs ?? ProcessInfo.processInfo.activeProcessorCount)
        let jobCount = workers?.totalSlots ?? (shell == "sim" ? localJobs : 1)
        let directory = out ?? "results/" + Timestamp.compactUTC()
        let files = try ResultFiles(directory: directory, knee: search != nil)
        let progress = ProgressBar(total: resolved.count, enabled: !quiet && isatty(STDERR_FILENO) == 1)
        let workerArguments = try workers.map { _ in try self.workerArguments() }
        let runner = OrderedParallel<Result<PointOutput, Error>>(count: resolved.count, threads: jobCount) { index in
            Result {
                if let workers, let workerArguments {
                    var (output, host) = try workers.run(["sweep"] + workerArguments + ["--worker-points", String(index)],
                                                           chunk: "point \(index) (\(describe(resolved[index].spec)))") { data in
                        try PointOutput.decode(data, point: index)
                    }
                    output.host = host
                    return output
                }
                return try runPoint(index, resolved: resolved, search: search)
            }
        }
        var manifest = Manifest()
        manifest.extra["points_total"] = resolved.count
        if let hostsFile { manifest.extra["hosts"] = hostsFile.hosts.map(\.description) }
        manifest.write(to: directory)
        var unsafe: [String] = []
        let started = Date()
        try runner.run { index, outcome in
            let output = try outcome.get()
            files.append(output)
            manifest.add(output.manifestEntry)
            manifest.write(to: directory)
            if let u = output.unsafe { unsafe.append(u) }
            progress.update(done: index + 1, current: describe(resolved[index].spec))
        }
        progress.finish()
        if shell == "sim" && (priceOfBft || (nodes == nil && faults == nil && config == nil)) {
            // Over --hosts too, these few runs stay here, on this machine's cores.
            try runPriceOfBFT(protocols: plan.protocols, directory: directory, threads: localJobs)
        }
        let wall = Date().timeIntervalSince(started)
        manifest.extra["sweep_wall_s"] = wall
        manifest.write(to: directory)
        let summary = try SweepReport.finish(directory: directory)
        print(summary)
        print("\(resolved.count) points in \(formatSeconds(wall)) s wall with \(jobCount) jobs; wrote \(directory)/")
        for u in unsafe { FileHandle.standardError.write(Data("SAFETY: \(u)\n".utf8)) }
        if !unsafe.isEmpty { throw ExitCode(3) }
    }

    /// Runs point `index` here: its closed-loop run and, with --knee, the knee's capacity.
    func runPoint(_ index: Int, resolved: [ResolvedExperiment], search: KneeSearch?) throws -> PointOutput {
        let started = Date()
        var result = try resolved[index].run()
        var rows = ""
        if let search {
            let found = try KneeReport.search(search, spec: resolved[index].spec, point: index, quiet: true)
            result.capacityOpsPerSecond = found.capacity?.rate
            rows = found.rows
        }
        return PointOutput(point: index, result: result, wallSeconds: Date().timeIntervalSince(started), kneeRows: rows,
                           describe: describe(resolved[index].spec))
    }

    /// A worker of `sweep --hosts`: runs the points it was given and prints each as one JSON line.
    /// It ends when its parent does (its stdin, the ssh channel, closes).
    func work(points: [Int], resolved: [ResolvedExperiment], search: KneeSearch?) throws {
        Loopback.exitWhenStdinCloses()
        for index in points {
            guard resolved.indices.contains(index) else { throw ExperimentError("--worker-points: the sweep has no point \(index)") }
            try RemoteWorkers.answer(try runPoint(index, resolved: resolved, search: search))
        }
    }

    /// What a worker is given besides its points: the sweep as this command line describes it, its
    /// file (if any) as text.
    func workerArguments() throws -> [String] {
        var arguments = RemoteWorkers.passThrough(dropping: ["--hosts", "--out", "--jobs", "--config"], flags: ["--push-binary", "--quiet"])
        if let config, config != "-" {
            guard let text = try? String(contentsOfFile: config, encoding: .utf8) else { throw ExperimentError("cannot read sweep file '\(config)'") }
            arguments += ["--worker-config", text]
        }
        return arguments
    }

    /// One Byzantine replica per protocol, in the simulator: which protocols keep safety.
    func runPriceOfBFT(protocols: [String], directory: String, threads: Int) throws {
        if !quiet { FileHandle.standardError.write(Data("sweep: the price of BFT (one Byzantine replica per protocol)\n".utf8)) }
        let specs = try PriceOfBFT.specs(protocols: protocols) { try experiment.spec(protocolName: $0, nodes: nil, faults: 1) }
        var rows: [PriceOfBFT.Row] = []
        let runner = OrderedParallel<Result<RunResult, Error>>(count: specs.count, threads: threads) { index in
            Result { try ResolvedExperiment(specs[index]).run() }
        }
        try runner.run { _, outcome in rows.append(PriceOfBFT.row(try outcome.get())) }
        try ResultFiles.writePriceOfBFT(rows, directory: directory)
    }

    func describe(_ s: ExperimentSpec) -> String {
        "\(s.protocolName) n=\(s.nodes ?? 0) f=\(s.faults ?? 0) c=\(s.workload.clients) b=\(s.batch) seed=\(s.seed)"
    }
}
