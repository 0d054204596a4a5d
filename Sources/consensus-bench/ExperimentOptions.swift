import ArgumentParser
import Foundation
import ConsensusCore
import Harness
import Loopback
import ShellKit
import Simulation
import Workload

/// The flags that describe one experiment, shared by `run` and `sweep` (a sweep takes lists for some).
struct ExperimentOptions: ParsableArguments {
    @Option(help: "Clients sending operations (closed loop: one outstanding each; open loop: the session pool).")
    var clients: Int = 16
    @Option(help: "Length of the measurement window, e.g. 2s, 500ms (simulated time, or wall time on tcp/process; run: default 2s; sweep: default --ops \(SweepPlan.defaultOps)).")
    var duration: String?
    @Option(help: "End the window after this many completed operations instead of after --duration.")
    var ops: Int?
    @Option(help: "Time before the measurement window opens (simulated, or wall time on tcp/process; run: default 500ms; sweep: \(SweepPlan.defaultWarmup)).")
    var warmup: String?
    @Option(name: .customLong("quiet-period"), help: "After the window: no new operations, faults healed, this long for outstanding operations and lagging replicas to finish before the convergence check (simulated time, or wall time on tcp/process).")
    var quietPeriod: String = "1s"
    @Option(help: "Open-loop arrival rate in operations per second (default: closed loop).")
    var rate: Double?
    @Option(help: "Size of the key space.")
    var keys: Int = 1000
    @Option(name: .customLong("key-distribution"), help: "uniform, zipfian or zipfian:S.")
    var keyDistribution: String = "uniform"
    @Option(name: .customLong("read-ratio"), help: "Fraction of operations that are gets.")
    var readRatio: Double = 0.5
    @Option(name: .customLong("cas-ratio"), help: "Fraction of writes that are compare-and-swap.")
    var casRatio: Double = 0.0
    @Option(name: .customLong("value-size"), help: "Bytes per value on the wire (at least 8).")
    var valueSize: Int = 16
    @Option(help: "Client request timeout before a retry, e.g. 500ms.")
    var timeout: String = "500ms"
    @Option(help: "Requests per AppendEntries / accept / pre-prepare (1: counts are per operation).")
    var batch: Int = 1
    @Option(help: "Entries / slots / sequence numbers in flight (default: the protocol's, for the batch size).")
    var pipeline: Int?
    /// The protocols' own options (`--auth sig`, `--paxos-commit explicit`): every argument the flags
    /// here do not name, checked against what the registered protocols declare
    /// (`ProtocolRegistry.options`, listed in the commands' help).
    @Argument(parsing: .allUnrecognized, help: .hidden)
    var protocolFlags: [String] = []
    @Option(help: "Seed of every random choice in the run.")
    var seed: UInt64 = 1
    @Option(name: .customLong("link-latency"), help: "One-way link latency, e.g. 200us.")
    var linkLatency: String = "200us"
    @Option(help: "Uniform extra one-way delay in [0, jitter].")
    var jitter: String = "20us"
    @Option(help: "Per-link bandwidth in bytes per second.")
    var bandwidth: Double = 1.25e9
    @Option(help: "Probability that a message is lost.")
    var loss: Double = 0
    @Option(help: "Probability that a message is delivered twice.")
    var duplicate: Double = 0
    @Option(help: "Probability that a message is held back so later ones overtake it.")
    var reorder: Double = 0
    @Option(help: ArgumentHelp("A cost profile from `calibrate --save FILE`: the simulator charges its per-message costs, crypto and disk figures (default: the project machine's, results/profiles/project-machine.yaml).",
                               valueName: "file"))
    var profile: String?
    @Option(name: .customLong("shared-cpus"), help: "Simulator: the replicas share this many CPUs (replica i on CPU i mod N), as the tcp shell shares --tcp-threads event loops (default: a CPU each).")
    var sharedCPUs: Int?
    @Flag(name: .customLong("event-loop-ticks"), help: "Simulator: charge the event loops' wake-ups and syscalls per tick and connection, with the profile's figures (`calibrate` takes the per-frame cost apart), as validate's twin of the tcp shell does; with --shared-cpus, the tcp shell's loops.")
    var eventLoopTicks = false
    @Option(name: .customLong("cpu-per-message"), help: "Charge this flat simulated CPU time per message handled (and 500ns per send), e.g. 2us, instead of the profile's per-message costs.")
    var cpuPerMessage: String?
    @Option(name: .customLong("cpu-per-mac"), help: "Simulated CPU time per MAC made or checked (default \(CPUModel().perMAC); `calibrate` measures it).")
    var cpuPerMAC: String?
    @Option(name: .customLong("cpu-per-signature"), help: "Simulated CPU time per signature made (default \(CPUModel().perSignature)).")
    var cpuPerSignature: String?
    @Option(name: .customLong("cpu-per-signature-check"), help: "Simulated CPU time per signature checked (default \(CPUModel().perSignatureVerify)).")
    var cpuPerSignatureCheck: String?
    @Option(name: .customLong("cpu-per-digest"), help: "Simulated CPU time per request-batch digest (default \(CPUModel().perDigest)).")
    var cpuPerDigest: String?
    @OptionGroup var durability: DurabilityOptions
    @Option(name: .customLong("cpu-per-persist"), help: "Simulated CPU time to write one persist's journal records (default \(CPUModel().perPersist); `calibrate` measures it).")
    var cpuPerPersist: String?
    @Option(parsing: .singleValue, help: "Crash a replica: leader@2s or 3@2s (repeatable).")
    var crash: [String] = []
    @Option(parsing: .singleValue, help: "Restart a crashed replica from its persisted state: 3@4s or leader@4s (repeatable).")
    var restart: [String] = []
    @Option(parsing: .singleValue, help: "Partition the replicas: 0,1|2,3,4@2s (repeatable).")
    var partition: [String] = []
    @Option(parsing: .singleValue, help: "Heal every partition at a time: 4s (repeatable).")
    var heal: [String] = []
    @Option(parsing: .singleValue, help: "Make a replica Byzantine: 2:silent, 1:equivocate@1s (silent|equivocate|corrupt|slow|lie|forge|split-auth|wrong-state).")
    var byzantine: [String] = []
    @Flag(name: .customLong("allow-unsafe"), help: "Run a configuration the fault arithmetic forbids, to see what breaks.")
    var allowUnsafe = false
    @Flag(name: .customLong("no-check"), help: "Skip the linearizability check (the column says unchecked).")
    var noCheck = false
    @Option(help: ArgumentHelp("tcp and process shells: the address every listener binds (default 127.0.0.1, or $CONSENSUS_BENCH_TCP_BIND; 0.0.0.0 or :: for every interface).",
                               valueName: "address"))
    var bind: String?
    @Option(help: "--shell process: the allocator the node processes run with, system or jemalloc (Debian's libjemalloc, preloaded).")
    var allocator: String = "system"
    @OptionGroup var hostOptions: HostsOptions
    @Option(name: .customLong("tcp-threads"), help: "tcp shell: event-loop threads shared by the replicas (default 2, or $CONSENSUS_BENCH_TCP_THREADS).")
    var tcpThreads: Int?
    @Option(name: .customLong("tcp-generator-threads"),
            help: "tcp and process shells: event-loop threads of the load generator; 0 shares a replica's loop (default 0, or $CONSENSUS_BENCH_TCP_GENERATOR_THREADS).")
    var tcpGeneratorThreads: Int?

    /// The spec these flags describe, for one protocol / size / fault count.
    /// `defaultOps`: when neither --duration nor --ops is given, end the window after this many operations
    /// (a sweep's default) instead of after two seconds.
    func spec(protocolName: String, nodes: Int?, faults: Int?, clients: Int? = nil, batch: Int? = nil, seed: UInt64? = nil,
              defaultOps: Int? = nil, defaultWarmup: String = "500ms") throws -> ExperimentSpec {
        var s = ExperimentSpec()
        s.protocolName = protocolName
        s.nodes = nodes
        s.faults = faults
        s.seed = seed ?? self.seed
        s.duration = try interval(duration ?? "2s", flag: "--duration")
        s.warmup = try interval(warmup ?? defaultWarmup, flag: "--warmup")
        s.quietPeriod = try interval(quietPeriod, flag: "--quiet-period")
        s.ops = ops ?? (duration == nil ? defaultOps : nil)
        s.batch = batch ?? self.batch
        s.pipeline = pipeline
        s.protocolOptions = try protocolOptions()
        s.allowUnsafe = allowUnsafe
        s.checkLinearizability = !noCheck
        s.transport = TransportLayout(bindHost: bind, threads: tcpThreads, generatorThreads: tcpGeneratorThreads)
        s.allocator = try Allocator(option: allocator)
        if s.allocator != .system { _ = try s.allocator.preload() }  // a missing library fails before anything runs
        s.hosts = try hostOptions.load()
        s.pushBinary = hostOptions.pushBinary
        var w = WorkloadSpec()
        w.clients = clients ?? self.clients
        w.ratePerSecond = rate
        w.keyCount = keys
        guard let distribution = WorkloadSpec.KeyDistribution(parsing: keyDistribution) else {
            throw ExperimentError("--key-distribution must be uniform, zipfian or zipfian:S (got '\(keyDistribution)')")
        }
        w.keyDistribution = distribution
        w.readRatio = readRatio
        w.casRatio = casRatio
        w.valueSize = valueSize
        w.requestTimeout = try interval(timeout, flag: "--timeout")
        s.workload = w
        var net = NetworkModel()
        net.latency = try interval(linkLatency, flag: "--link-latency")
        net.jitter = try interval(jitter, flag: "--jitter")
        guard bandwidth > 0, bandwidth.isFinite else { throw ExperimentError("--bandwidth must be a positive number of bytes per second") }
        net.bandwidthBytesPerSecond = bandwidth
        for (name, p) in [("--loss", loss), ("--duplicate", duplicate), ("--reorder", reorder)] where !(0 ... 1).contains(p) {
            throw ExperimentError("\(name) must be a probability between 0 and 1 (got \(p))")
        }
        net.lossProbability = loss
        net.duplicateProbability = duplicate
        net.reorderProbability = reorder
        s.network = net
        let costs = try CostProfileOption.resolve(profile, flatPerMessage: cpuPerMessage)
        s.costProfile = costs.name
        if eventLoopTicks {
            guard let ticks = costs.profile?.network.eventLoopTicks else {
                throw ExperimentError("--event-loop-ticks needs a cost profile with network.per_syscall, per_wake_up and frame_work (calibrate --save FILE measures them)")
            }
            s.eventLoopTicks = ticks
        }
        if let p = costs.profile { s.cpu = p.applied(to: s.cpu, protocolName: protocolName, ticks: eventLoopTicks) }
        if let cpuPerMessage { s.cpu.perMessage = try interval(cpuPerMessage, flag: "--cpu-per-message") }
        if let cpuPerMAC { s.cpu.perMAC = try interval(cpuPerMAC, flag: "--cpu-per-mac") }
        if let cpuPerSignature { s.cpu.perSignature = try interval(cpuPerSignature, flag: "--cpu-per-signature") }
        if let cpuPerSignatureCheck {
            s.cpu.perSignatureVerify = try interval(cpuPerSignatureCheck, flag: "--cpu-per-signature-check")
        }
        if let cpuPerDigest { s.cpu.perDigest = try interval(cpuPerDigest, flag: "--cpu-per-digest") }
        if let cpuPerPersist { s.cpu.perPersist = try interval(cpuPerPersist, flag: "--cpu-per-persist") }
        if let sharedCPUs {
            guard sharedCPUs >= 1 else { throw ExperimentError("--shared-cpus must be at least 1 (got \(sharedCPUs))") }
            s.sharedCPUs = sharedCPUs
        }
        s.durability = try durability.resolve()
        if durability.syncLatency == nil, let p = costs.profile { s.durability.syncLatency = Interval(nanoseconds: p.disk.sync) }
        var faults: [ScheduledFault] = []
        faults += try crash.map(FaultParsing.crash)
        faults += try restart.map(FaultParsing.restart)
        faults += try partition.map(FaultParsing.partition)
        faults += try heal.map(FaultParsing.heal)
        faults += try byzantine.map(FaultParsing.byzantine)
        s.faultSchedule = faults.sorted { $0.at < $1.at }
        return s
    }
}

/// A duration flag's value, or one line saying why it is not one.
func interval(_ text: String, flag: String) throws -> Interval {
    if text.hasPrefix("-") { throw ExperimentError("\(flag) must not be negative (got '\(text)')") }
    guard let i = Interval(parsing: text) else { throw ExperimentError("\(flag) '\(text)' is not a duration (examples: 2s, 500ms, 200us)") }
    return i
}

/// `--profile FILE` and `--cpu-per-message`, as `run`, `sweep` and `check` take them.
enum CostProfileOption {
    /// The profile to charge (nil: the flat model) and how runs.csv names it: the file's path, or
    /// `project-machine` for the built-in one, or `flat`.
    static func resolve(_ path: String?, flatPerMessage: String?) throws -> (profile: CostProfile?, name: String) {
        if let path {
            if flatPerMessage != nil { throw ExperimentError("--profile and --cpu-per-message exclude each other (a profile prices each message kind)") }
            guard let data = FileManager.default.contents(atPath: path) else { throw ExperimentError("--profile \(path): no such file") }
            guard let text = String(data: data, encoding: .utf8) else { throw ExperimentError("--profile \(path): not UTF-8 text") }
            return (try CostProfile.load(yaml: text, path: path), path)
        }
        if flatPerMessage != nil { return (nil, "flat") }
        return (CostProfile.projectMachine, "project-machine")
    }
}

extension ExperimentOptions {
    /// The protocol options among the arguments: `--flag value` or `--flag=value`, each a flag some
    /// registered protocol declares. Values are checked when the run is resolved, against the protocol
    /// that runs (a sweep's `--auth none` is PBFT's, and Raft ignores it).
    func protocolOptions() throws -> ProtocolOptionValues {
        var values = ProtocolOptionValues()
        var i = 0
        while i < protocolFlags.count {
            let word = protocolFlags[i]
            guard word.hasPrefix("--"), word.count > 2 else { throw ExperimentError("unexpected argument '\(word)'") }
            var flag = String(word.dropFirst(2))
            var value: String?
            if let equals = flag.firstIndex(of: "=") {
                value = String(flag[flag.index(after: equals)...])
                flag = String(flag[..<equals])
            }
            _ = try ProtocolRegistry.option(flag: flag)
            if value == nil {
                guard i + 1 < protocolFlags.count, !protocolFlags[i + 1].hasPrefix("--") else { throw ExperimentError("--\(flag) needs a value") }
                i += 1
                value = protocolFlags[i]
            }
            values[flag] = value
            i += 1
        }
        return values
    }

    /// The protocol options for a command's help: one line each.
    static var protocolOptionsHelp: String {
        "Protocol options (each applies to the protocol that declares it):\n"
            + ProtocolRegistry.options.map { "  --\($0.flag) <value>  \($0.help) (default: \($0.defaultValue))" }.joined(separator: "\n")
    }
}

extension Allocator {
    /// `--allocator`'s value (run, sweep, calibrate), or a one-line error naming the choices.
    init(option text: String) throws {
        guard let chosen = Allocator(rawValue: text) else { throw ExperimentError("--allocator must be system or jemalloc (got '\(text)')") }
        self = chosen
    }
}

/// This consensus-bench's executable (what node processes, workers and pushes use).
func localExecutable() throws -> String {
    guard let path = ProcessInfo.processInfo.environment["CONSENSUS_BENCH_EXECUTABLE"] ?? ChildProcesses.currentExecutable() else {
        throw ExperimentError("cannot find the consensus-bench executable (set CONSENSUS_BENCH_EXECUTABLE)")
    }
    return path
}
