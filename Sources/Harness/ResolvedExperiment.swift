import ConsensusCore
import ShellKit
import Simulation

/// A spec with every default filled in and every rule checked: the cluster shape is decided and legal.
public struct ResolvedExperiment: Sendable {
    public var spec: ExperimentSpec
    public var cluster: ClusterConfig
    public var entry: ProtocolEntry

    /// Checks `spec` and fills its defaults. Every error is one line a user can act on.
    public init(_ spec: ExperimentSpec) throws {
        var spec = spec
        let entry = try ProtocolRegistry.entry(named: spec.protocolName)
        guard ["sim", "tcp", "process"].contains(spec.shell) else {
            throw ExperimentError("shell '\(spec.shell)' is not available in this build (available: sim, tcp, process)")
        }
        if let problem = spec.transport.problem { throw ExperimentError(problem) }
        if spec.shell == "sim" && !spec.transport.isDefault {
            throw ExperimentError("--bind, --tcp-threads and --tcp-generator-threads apply to --shell tcp and --shell process, not to the simulator")
        }
        if spec.allocator != .system && spec.shell != "process" {
            throw ExperimentError("--allocator applies to the node processes of --shell process (and to calibrate), not to --shell \(spec.shell)")
        }
        if spec.hosts != nil && spec.shell != "process" {
            throw ExperimentError("--hosts runs node processes on other hosts with --shell process (sweep --shell sim and check spread their points or seeds over them instead); not --shell \(spec.shell)")
        }
        if spec.sharedCPUs != nil && spec.shell != "sim" {
            throw ExperimentError("--shared-cpus models the tcp shell's event loops in the simulator; --shell \(spec.shell) has real ones")
        }
        if let n = spec.nodes, n < 1 { throw ExperimentError("--nodes must be at least 1 (got \(n))") }
        if let f = spec.faults, f < 0 { throw ExperimentError("--faults must not be negative (got \(f))") }
        if let n = spec.nodes, n > 1000 { throw ExperimentError("--nodes must be at most 1000 (got \(n))") }
        let n = spec.nodes ?? entry.minimumReplicas(spec.faults ?? 1)
        let f = spec.faults ?? entry.maximumFaults(n)
        // The run's keys derive from its seed (shared out of band, as PBFT assumes).
        let cluster = ClusterConfig(replicaCount: n, faultTolerance: f, secret: ClusterConfig.secret(forSeed: spec.seed))
        if let problem = entry.validate(cluster), !spec.allowUnsafe {
            throw ExperimentError(problem + " (use --allow-unsafe to run it anyway)")
        }
        spec.nodes = n
        spec.faults = f
        let w = spec.workload
        guard w.clients >= 1 else { throw ExperimentError("--clients must be at least 1 (got \(w.clients))") }
        guard w.clients <= 1_000_000 else { throw ExperimentError("--clients must be at most 1000000 (got \(w.clients))") }
        guard w.keyCount >= 1 else { throw ExperimentError("--keys must be at least 1 (got \(w.keyCount))") }
        guard (0 ... 1).contains(w.readRatio) else { throw ExperimentError("--read-ratio must be between 0 and 1 (got \(w.readRatio))") }
        guard (0 ... 1).contains(w.casRatio) else { throw ExperimentError("--cas-ratio must be between 0 and 1 (got \(w.casRatio))") }
        guard w.valueSize >= 8, w.valueSize <= 1 << 20 else { throw ExperimentError("--value-size must be between 8 and 1048576 bytes (got \(w.valueSize))") }
        if let rate = w.ratePerSecond, !(rate > 0 && rate.isFinite) { throw ExperimentError("--rate must be a positive number of operations per second") }
        guard spec.duration.nanoseconds > 0 else { throw ExperimentError("--duration must be positive") }
        if let ops = spec.ops, ops < 1 { throw ExperimentError("--ops must be at least 1 (got \(ops))") }
        guard spec.batch >= 1 else { throw ExperimentError("--batch must be at least 1 (got \(spec.batch))") }
        if let p = spec.pipeline, p < 1 { throw ExperimentError("--pipeline must be at least 1 (got \(p))") }
        // Another protocol's option is ignored (one sweep's flags serve every protocol in it), but its
        // value must still be one that protocol takes; a flag no protocol declares is a typo.
        for (flag, value) in spec.protocolOptions.byFlag.sorted(by: { $0.key < $1.key }) {
            if let problem = try ProtocolRegistry.option(flag: flag).problem(value) { throw ExperimentError(problem) }
        }
        var byzantine = Set<NodeID>()
        for scheduled in spec.faultSchedule {
            switch scheduled.fault {
            case .crash(.node(let id)), .restart(.node(let id)):
                guard id.index < n else { throw ExperimentError("fault '\(scheduled.fault)' names replica \(id.rawValue), but replicas are 0...\(n - 1)") }
            case .partition(let groups):
                for id in groups.joined() where id.index >= n {
                    throw ExperimentError("partition names replica \(id.rawValue), but replicas are 0...\(n - 1)")
                }
            case .cutLink(let a, let b):
                guard a.index < n, b.index < n else { throw ExperimentError("fault '\(scheduled.fault)' names a replica beyond 0...\(n - 1)") }
            case .cutClients(let ids):
                guard ids.allSatisfy({ $0.index < n }) else { throw ExperimentError("fault '\(scheduled.fault)' names a replica beyond 0...\(n - 1)") }
            case .byzantine(let id, let behavior):
                guard id.index < n else { throw ExperimentError("--byzantine names replica \(id.rawValue), but replicas are 0...\(n - 1)") }
                if let why = entry.behaviorProblem(behavior, spec.protocolOptions) {
                    if behavior == .splitAuth, entry.declares("auth") {
                        throw ExperimentError("--byzantine \(id.rawValue):split-auth needs MAC authenticators to split (\(why)); use --auth mac")
                    }
                    throw ExperimentError("--byzantine \(id.rawValue):\(behavior.rawValue) does not apply to \(entry.name): \(why)")
                }
                byzantine.insert(id)
            case .loss(let p):
                guard (0 ... 1).contains(p) else { throw ExperimentError("loss must be between 0 and 1 (got \(p))") }
            default:
                break
            }
        }
        if byzantine.count > f, !spec.allowUnsafe {
            throw ExperimentError("\(byzantine.count) Byzantine replicas exceed f=\(f) (use --allow-unsafe to see what breaks)")
        }
        self.spec = spec
        self.cluster = cluster
        self.entry = entry
        if !byzantine.isEmpty, entry.byzantineLimit(cluster) == 0 {
            warnings.append("\(entry.name) tolerates crash faults only: its Byzantine replicas really misbehave "
                            + "(a lying leader, acknowledgements of what was not stored, votes for two candidates), "
                            + "and the safety checks report what breaks (exit 3)")
        }
    }

    /// What the user should know before the run starts, one line each (the CLI prints them).
    public var warnings: [String] = []

    /// Runs it in the simulator, or over real TCP with `shell` `tcp` (one process) or `process` (one per replica).
    public func run() throws -> RunResult { spec.shell == "sim" ? try entry.simulate(self) : try entry.tcp(self) }
}
