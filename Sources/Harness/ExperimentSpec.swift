import ConsensusCore
import Loopback
import ShellKit
import Simulation
import Workload

/// One experiment point: which protocol, how big a cluster, what load, what faults, which shell.
/// The CLI's `run` flags, a sweep's cross product and a YAML sweep file all produce these.
public struct ExperimentSpec: Sendable, Equatable {
    public var protocolName = "raft"
    /// `sim` (the deterministic simulator), `tcp` (real sockets, one process) or `process` (one node process per replica).
    public var shell = "sim"
    /// Replicas; nil: the fewest that tolerate `faults` (2f+1, or 3f+1 for PBFT), or 3 / 4 when both are nil.
    public var nodes: Int?
    /// Faults to tolerate; nil: the most `nodes` allows.
    public var faults: Int?
    public var seed: UInt64 = 1
    public var workload = WorkloadSpec()
    /// Simulated time before the measurement window opens (elections, pipelines filling).
    public var warmup: Interval = .milliseconds(500)
    /// The window's length, unless `ops` is given.
    public var duration: Interval = .seconds(2)
    /// Close the window after this many completed operations instead of after `duration`.
    public var ops: Int?
    /// Give up on reaching `ops` after this much simulated time in the window.
    public var opsTimeLimit: Interval = .seconds(120)
    /// After the window: the quiet period in which clients finish, partitions heal and replicas converge.
    public var quietPeriod: Interval = .seconds(1)
    /// Requests per AppendEntries / accept / pre-prepare.
    public var batch = 1
    /// Log entries / slots / sequence numbers in flight; nil: the protocol's default for the batch size.
    public var pipeline: Int?
    /// The protocols' own options by flag (`auth`, `paxos-commit`, …), as the user gave them: each
    /// protocol reads the ones it declares (`BenchmarkedReplica.options`) and takes its defaults for
    /// the rest.
    public var protocolOptions = ProtocolOptionValues()
    public var network = NetworkModel()
    public var cpu = CPUModel()
    /// Where `cpu`'s per-message costs came from: a profile's path, `project-machine` (the built-in
    /// profile), or `flat` (one cost per message). The manifest records it.
    public var costProfile = "flat"
    /// `--sync`, `--crash-kind` and the simulated sync latency, the same in every shell.
    public var durability = Durability()
    public var faultSchedule: [ScheduledFault] = []
    /// When the last scheduled fault fires; nil when none is scheduled. The quiet period, and the
    /// convergence check after it, begin no earlier: a fault that fired during the quiet period (a
    /// partition the schedule heals only later) would be judged as if the cluster were quiet.
    public var faultScheduleEnd: Instant? { faultSchedule.map(\.at).max() }
    /// Run a configuration the fault arithmetic forbids, or more Byzantine replicas than f, on purpose.
    public var allowUnsafe = false
    /// Check the history for linearizability (fills the `linearizable` column).
    public var checkLinearizability = true
    /// Simulator, open loop: arrivals begin once a leader is known (`SimulationOptions.arrivalsAwaitLeader`).
    public var arrivalsAwaitLeader = false
    /// Simulator: the replicas share this many CPUs (replica i on CPU i mod k), as the tcp shell shares
    /// its event loops; nil: a CPU each (`SimulationOptions.sharedCPUs`).
    public var sharedCPUs: Int?
    /// With `sharedCPUs`: the load generator's CPU and its cost per request or reply frame.
    public var clientCPU: ClientCPU?
    /// Simulator: charge the event loops' syscalls per tick and connection (`SimulationOptions.eventLoopTicks`).
    public var eventLoopTicks: EventLoopTicks?
    /// The real shells' listening address and threads (tcp, process); the simulator has none.
    public var transport = TransportLayout()
    /// `--shell process`: the allocator the node processes run with (`--allocator`).
    public var allocator = Allocator.system
    /// `--shell process --hosts FILE`: the node processes run on these hosts over ssh.
    public var hosts: HostsFile?
    /// `--push-binary`: copy this executable to hosts that lack this build.
    public var pushBinary = false

    public init() {}
}
