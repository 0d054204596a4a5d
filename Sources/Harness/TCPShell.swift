import ConsensusCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Checker
import Loopback
import ShellKit
import Workload

/// Runs one experiment point over real TCP on this machine (`--shell tcp`): every replica in this
/// process on its own event loop and port, the load generator's clients over TCP too. The run has the
/// simulator's shape: warm-up, the measurement window (a duration, or until `ops` complete), then a
/// quiet period in which clients stop issuing and partitions heal; then the same checks (safety from
/// every honest replica's `applied` effects, convergence, linearizability of the history) and the same
/// `RunResult`. Times in the result are real: nanoseconds since the run began.
///
/// With `--duration` the window's end is known before the run, so every sender counts exactly inside
/// it. With `--ops` the generator closes the window at the operation that completes the count and tells
/// each replica's loop; messages a replica sends in the microseconds before that news arrives still count.
/// Thread layout and listening address: the spec's `transport`, else the environment, else `options`.
public func runOverTCP<R: Replica>(_ type: R.Type, settings: R.Settings, resolved: ResolvedExperiment,
                                   options: Loopback.Options = Loopback.Options()) throws -> RunResult
where R.DurableState: DurableStateCodable, R.DurableChange: DurableStateCodable {
    let spec = resolved.spec
    let network = spec.network
    if network.lossProbability > 0 || network.duplicateProbability > 0 || network.reorderProbability > 0 {
        throw ExperimentError("--loss, --duplicate and --reorder model a simulated network; the tcp shell runs on real sockets (use --shell sim)")
    }
    var options = options
    options.slowDelay = network.slowDelay
    try options.apply(spec.transport)
    if spec.shell == "process" { return try runOverProcesses(R.self, settings: settings, resolved: resolved, options: options) }
    let faults = try realNetworkFaults(spec.faultSchedule)

    let cluster = try LoopbackCluster<R>(cluster: resolved.cluster, settings: settings, workload: spec.workload,
                                         seed: spec.seed, options: options)
    defer { cluster.shutdown() }
    // Every replica journals its persists to a file, as a node process does, so both real shells pay
    // the same for durability.
    let journals = try Loopback.temporaryDirectory()
    defer { Loopback.removeDirectory(journals) }
    let logger = options.logger
    for id in 0 ..< resolved.cluster.replicaCount {
        try cluster.journal(id, path: Journal.path(directory: journals, id: id), sync: spec.durability.sync, validLength: nil) { error in
            logger.critical("replica \(id) cannot persist: \(error)")
            exit(1)
        }
    }
    let windowStart = Instant.zero + spec.warmup
    var window = RunWindow(start: windowStart, end: spec.ops == nil ? windowStart + spec.duration : Instant(nanoseconds: .max))
    let clock = try cluster.start(window: window, stopAfterCompletions: spec.ops)
    for (at, fault) in faults { try cluster.schedule(fault, at: at) }
    if spec.ops != nil {
        if let end = try cluster.waitForWindowToClose(limit: windowStart + spec.opsTimeLimit) {
            window.end = end
        } else {
            window.end = clock.now()
            try cluster.closeWindow(at: window.end)
        }
    } else {
        try cluster.sleep(until: window.end, clock: clock)
    }

    // The quiet period: no new operations, the network healed, time for outstanding ones to finish;
    // it begins once every scheduled fault has fired.
    try cluster.stopIssuing()
    if let last = spec.faultScheduleEnd, last >= clock.now() { try cluster.sleep(until: last + .milliseconds(1), clock: clock) }
    try cluster.inject(.heal, logged: false)
    try cluster.sleep(for: spec.quietPeriod)
    let replicas = try cluster.replicaReports()
    let generator = try cluster.generatorReport()
    let faultLog = try cluster.faultLog()
    return TCPMeasurement(kindNames: cluster.kindNames, replicas: replicas, generator: generator, window: window)
        .result(spec: spec, faultLog: faultLog)
}

/// `--shell process`: one `consensus-bench node` process per replica, the load generator here. The
/// same run shape and `RunResult` as `--shell tcp`; each node counts its own sends and reports them,
/// with its applied effects, in files the parent reads at the end.
func runOverProcesses<R: Replica>(_ type: R.Type, settings: R.Settings, resolved: ResolvedExperiment,
                                  options: Loopback.Options) throws -> RunResult where R.DurableState: DurableStateCodable, R.DurableChange: DurableStateCodable {
    let spec = resolved.spec
    if spec.ops != nil {
        throw ExperimentError("--ops is not available with --shell process yet (a node cannot learn when the window closes); use --duration")
    }
    var template = ClusterFile(protocolName: spec.protocolName, replicas: [])
    template.faults = resolved.cluster.faultTolerance
    template.seed = spec.seed
    template.batch = spec.batch
    template.pipeline = spec.pipeline
    template.options = spec.protocolOptions.byFlag.isEmpty ? nil : spec.protocolOptions.byFlag
    template.slowDelayNanos = spec.network.slowDelay.nanoseconds
    template.sync = spec.durability.sync == .none ? nil : spec.durability.sync.rawValue
    var nodeFaults = ClusterFile.NodeFaults()
    // Crashes and restarts are the parent's: it kills a node process and starts it again from its journal.
    var parentFaults: [(at: Instant, fault: Fault)] = []
    for scheduled in spec.faultSchedule {
        let at = "@\(scheduled.at.nanoseconds)ns"
        switch scheduled.fault {
        case .crash, .restart:
            parentFaults.append((scheduled.at, scheduled.fault))
        case .partition(let groups):
            nodeFaults.partition.append(groups.map { $0.map { "\($0.rawValue)" }.joined(separator: ",") }.joined(separator: "|") + at)
        case .heal:
            nodeFaults.heal.append("\(scheduled.at.nanoseconds)ns")
        case .byzantine(let node, let behavior):
            nodeFaults.byzantine.append("\(node.rawValue):\(behavior.rawValue)" + at)
        case .cutLink, .loss, .extraLatency, .cutClients:
            throw ExperimentError("fault '\(scheduled.fault)' is not available with --shell process")
        }
    }
    template.nodeFaults = nodeFaults
    guard let executable = environment("CONSENSUS_BENCH_EXECUTABLE") ?? ChildProcesses.currentExecutable() else {
        throw ExperimentError("cannot find the consensus-bench executable to start node processes (set CONSENSUS_BENCH_EXECUTABLE)")
    }
    let windowStart = Instant.zero + spec.warmup
    let window = RunWindow(start: windowStart, end: windowStart + spec.duration)
    // Over --hosts: the placement is checked first (no ssh needed), then every host, before anything
    // starts; the hosts come back with their binaries as found or pushed, in the same order.
    var placement: RemotePlacement?
    if let hosts = spec.hosts {
        placement = try hosts.placement(replicas: resolved.cluster.replicaCount)
        placement?.hosts = try hosts.checked(localExecutable: executable, pushBinary: spec.pushBinary).0.hosts
    }
    let run: Loopback.ProcessRun
    var nodeOptions = options
    nodeOptions.allocator = spec.allocator
    do {
        run = try Loopback.runProcesses(R.self, template: template, cluster: resolved.cluster, settings: settings, workload: spec.workload,
                                        window: window, quietPeriod: spec.quietPeriod, faults: parentFaults, faultsEnd: spec.faultScheduleEnd,
                                        executable: executable,
                                        options: nodeOptions, placement: placement)
    } catch let error as LoopbackError {
        throw ExperimentError(error.description)
    }
    var result = TCPMeasurement(kindNames: MessageCounts.kindNames(protocolKinds: R.Message.kindNames), replicas: run.replicas,
                                generator: run.generator, window: window).result(spec: spec, faultLog: run.faultLog)
    result.nodeAllocators = run.allocators
    result.hosts = run.hosts
    return result
}

/// What `consensus-bench node` was asked to run.
public struct NodeLaunch: Sendable {
    public var id: Int
    public var file: ClusterFile
    /// Address to listen on; nil: 127.0.0.1.
    public var bindHost: String?
    /// Exit when stdin closes (the process shell's parent died).
    public var exitWithParent: Bool
    /// The replica's journal (appended on every persist, recovered at start if it exists); nil: its
    /// persists are kept in memory only.
    public var journal: String?
    /// Which life of the replica this process is (0 first; the process shell counts restarts): names its report files.
    public var incarnation: Int
    public init(id: Int, file: ClusterFile, bindHost: String? = nil, exitWithParent: Bool = false, journal: String? = nil,
                incarnation: Int = 0) {
        self.id = id
        self.file = file
        self.bindHost = bindHost
        self.exitWithParent = exitWithParent
        self.journal = journal
        self.incarnation = incarnation
    }

    /// Reads the cluster file at `path` for replica `id`.
    public static func load(id: Int, clusterFile path: String, bindHost: String?, exitWithParent: Bool, journal: String? = nil,
                            incarnation: Int = 0) throws -> NodeLaunch {
        let file: ClusterFile
        do { file = try ClusterFile.load(path) } catch let error as LoopbackError { throw ExperimentError(error.description) }
        guard id >= 0, id < file.replicas.count else {
            throw ExperimentError("--id \(id) is not in \(path) (replicas 0...\(file.replicas.count - 1))")
        }
        guard incarnation >= 0 else { throw ExperimentError("--incarnation must be 0 or more (got \(incarnation))") }
        if let sync = file.sync, SyncPolicy(rawValue: sync) == nil {
            throw ExperimentError("\(path): sync must be one of \(SyncPolicy.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(sync)')")
        }
        if let host = bindHost, let problem = Loopback.bindProblem(host) {
            throw ExperimentError("--bind '\(host)' \(problem) (examples: 127.0.0.1, 0.0.0.0, ::1)")
        }
        return NodeLaunch(id: id, file: file, bindHost: bindHost, exitWithParent: exitWithParent, journal: journal,
                          incarnation: incarnation)
    }

    /// The experiment the cluster file describes (its protocol settings and cluster shape).
    public var spec: ExperimentSpec {
        var spec = ExperimentSpec()
        spec.shell = "tcp"
        spec.protocolName = file.protocolName
        spec.nodes = file.replicas.count
        spec.faults = file.faults
        spec.seed = file.seed
        spec.batch = file.batch
        spec.pipeline = file.pipeline
        spec.protocolOptions = ProtocolOptionValues(file.options ?? [:])
        spec.durability.sync = file.sync.flatMap(SyncPolicy.init(rawValue:)) ?? .none
        return spec
    }
}

/// Runs one replica of a cluster file until SIGTERM (`consensus-bench node`).
public func serveNode(_ launch: NodeLaunch) throws {
    let resolved = try ResolvedExperiment(launch.spec)
    try resolved.entry.node(resolved, launch)
}

func serveNode<R: Replica>(_ type: R.Type, settings: R.Settings, resolved: ResolvedExperiment, launch: NodeLaunch) throws
where R.DurableState: DurableStateCodable, R.DurableChange: DurableStateCodable {
    let flags = launch.file.nodeFaults ?? ClusterFile.NodeFaults()
    var scheduled = try flags.partition.map(FaultParsing.partition) + flags.heal.map(FaultParsing.heal)
    scheduled += try flags.byzantine.map(FaultParsing.byzantine)
    let faults = try realNetworkFaults(scheduled)
    var options = Loopback.Options()
    options.bindHost = launch.bindHost ?? "127.0.0.1"
    if launch.exitWithParent {
        // The parent died without cleaning up: the node processes remove the run's report directory.
        let directory = launch.file.reportDirectory
        Loopback.exitWhenStdinCloses { if let directory { Loopback.removeDirectory(directory) } }
    }
    do {
        try Loopback.serveNode(R.self, id: launch.id, file: launch.file, cluster: resolved.cluster, settings: settings,
                               faults: faults, options: options, journal: launch.journal, sync: resolved.spec.durability.sync,
                               incarnation: launch.incarnation)
    } catch let error as LoopbackError {
        throw ExperimentError(error.description)
    }
}

func environment(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }

/// The schedule as a real-socket shell runs it: every fault but those that model the simulated network
/// (loss, latency bursts), which are refused before anything starts.
func realNetworkFaults(_ schedule: [ScheduledFault]) throws -> [(at: Instant, fault: Fault)] {
    try schedule.map { scheduled in
        if let problem = scheduled.fault.realNetworkProblem { throw ExperimentError(problem) }
        return (scheduled.at, scheduled.fault)
    }
}

/// Turns what the replicas' shells and the load generator observed into the kit's `RunObservation`
/// (and so into a `RunResult` built as every shell's is): messages and bytes by kind inside the window,
/// operations completed inside it, leader changes inside it, and the safety checks over the whole run.
struct TCPMeasurement {
    var kindNames: [String]
    var replicas: [ReplicaReport]
    var generator: GeneratorReport
    var window: RunWindow

    func result(spec: ExperimentSpec, faultLog: [String]) -> RunResult {
        var counts = generator.counts
        for r in replicas { counts.add(r.counts) }
        var leaderChanges = 0
        for r in replicas { for l in r.leadership where window.contains(l.at) { leaderChanges += 1 } }
        var violations = safetyViolations(records: generator.records).map(\.description)
        let finalStates = replicas.map {
            FinalReplicaState(id: $0.id, isLiveAndHonest: $0.isUp && $0.byzantine == nil, store: $0.store, executedCount: $0.executedCount)
        }
        if let divergence = Convergence.problem(finalStates) { violations.append(divergence) }
        var observed = RunObservation(kindNames: kindNames, counts: counts, records: generator.records, window: window,
                                      completedInWindow: generator.completedInWindow, leaderChanges: leaderChanges,
                                      violations: violations, faultLog: faultLog, eventsProcessed: 0)
        observed.syncs = replicas.reduce(0) { $0 + $1.syncs }
        observed.syncedRecords = replicas.reduce(0) { $0 + $1.syncedRecords }
        return RunResult(spec: spec, observed: observed)
    }

    /// Agreement, validity and at-most-once over every honest replica's `applied` effects, and election
    /// safety over their `becameLeader` effects, by Checker's
    /// `SafetyMonitor` (which the simulator feeds as effects happen; here each replica's effects were
    /// kept on its own event loop or in its node process, and are fed to the monitor after the run).
    func safetyViolations(records: [OperationRecord]) -> [SafetyMonitor.Violation] {
        var monitor = SafetyMonitor(replicaCount: replicas.count)
        var sent = SentRequests()
        for r in records { sent.record(client: r.client, sequence: r.sequence, command: r.command) }
        for replica in replicas {
            var restarts = replica.restartsAt[...]
            for (k, a) in replica.applied.enumerated() {
                while let r = restarts.first, r <= k {
                    monitor.replicaRestarted(replica.id)
                    restarts = restarts.dropFirst()
                }
                monitor.recordApplied(replica: replica.id, position: a.position, request: a.request, executed: a.executed,
                                      isSent: sent.contains(a.request))
            }
            if replica.byzantine == nil {
                for l in replica.leadership { monitor.recordLeader(replica: replica.id, epoch: l.epoch) }
            }
        }
        return monitor.violations
    }
}

extension Loopback.Options {
    /// Thread layout from the environment, under the command line's flags (`TransportLayout`):
    /// `CONSENSUS_BENCH_TCP_THREADS` (event-loop threads of the replicas, default 2),
    /// `CONSENSUS_BENCH_TCP_GENERATOR_THREADS` (0, the default, shares a replica loop; 1 gives the
    /// load generator its own thread) and `CONSENSUS_BENCH_TCP_BIND` (listening address).
    mutating func applyEnvironment() {
        let value = environment
        if let t = value("CONSENSUS_BENCH_TCP_THREADS").flatMap(Int.init), t >= 1 { threads = t }
        if let g = value("CONSENSUS_BENCH_TCP_GENERATOR_THREADS").flatMap(Int.init), g >= 0 { generatorThreads = g }
        if let b = value("CONSENSUS_BENCH_TCP_BIND"), !b.isEmpty { bindHost = b }
    }
}

/// What `consensus-bench generate` was asked to run: load generator `id` of a cluster file the
/// process shell's parent wrote for a run over `--hosts` with `generators:`.
public struct GeneratorLaunch: Sendable {
    public var id: Int
    public var node: NodeLaunch
    public init(id: Int, node: NodeLaunch) {
        self.id = id
        self.node = node
    }

    /// The run's whole workload, as the file carries it.
    public func workload() throws -> WorkloadSpec {
        guard let load = node.file.load else { throw ExperimentError("the cluster file has no load: only a run's parent writes generator files") }
        guard let workload = load.workload else {
            throw ExperimentError("the cluster file's key distribution '\(load.keyDistribution)' is not one this build knows")
        }
        return workload
    }
}

/// Runs one load generator of a cluster file (`consensus-bench generate`) and returns its report.
public func runGenerator(_ launch: GeneratorLaunch) throws -> GeneratorReport {
    let resolved = try ResolvedExperiment(launch.node.spec)
    return try resolved.entry.generate(resolved, launch)
}

func runGenerator<R: Replica>(_ type: R.Type, settings: R.Settings, resolved: ResolvedExperiment, launch: GeneratorLaunch) throws -> GeneratorReport {
    var options = Loopback.Options()
    options.threads = 1
    options.generatorThreads = 0
    options.generatorLoop = 0
    if launch.node.exitWithParent {
        // The parent died: the generator removes the host's run folder, as a node does.
        let directory = launch.node.file.reportDirectory
        Loopback.exitWhenStdinCloses { if let directory { Loopback.removeDirectory(directory) } }
    }
    do {
        return try Loopback.runGenerator(R.self, id: launch.id, file: launch.node.file, cluster: resolved.cluster, settings: settings,
                                         workload: try launch.workload(), options: options)
    } catch let error as LoopbackError {
        throw ExperimentError(error.description)
    }
}
