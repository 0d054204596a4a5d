import ConsensusCore
import ShellKit
import Workload

/// Everything that defines a simulated run besides the protocol and its settings. Same options, same
/// seed: the same run, event for event.
public struct SimulationOptions: Sendable {
    public var seed: UInt64
    public var network = NetworkModel()
    public var cpu = CPUModel()
    public var workload = WorkloadSpec()
    public var faults: [ScheduledFault] = []
    /// Clients start sending at this instant (replicas start at zero).
    public var clientStart: Instant = .zero
    /// Open loop: arrivals begin once some replica has become leader (or primary), so that the
    /// backlog of an election is not carried into the window. A knee search sets it: near capacity
    /// such a backlog never drains, and every probe would measure the election.
    public var arrivalsAwaitLeader = false
    /// CPUs the replicas share, replica i on CPU i mod `sharedCPUs`, as the tcp shell runs its replicas
    /// on that many event-loop threads; nil: every replica has a CPU of its own. Replicas on one CPU
    /// handle one input at a time between them.
    public var sharedCPUs: Int?
    /// With `sharedCPUs`: the load generator runs on this CPU too, as the tcp shell puts it on one of
    /// the replicas' event loops, and each request it sends and reply it reads costs that CPU
    /// `perRequest` or `perReply`. Nil: the clients cost no replica anything.
    public var clientCPU: ClientCPU?
    /// Charge the event loops' syscalls per tick and per connection (`EventLoopTicks`) instead of
    /// folding an average into every frame's cost. Nil: no syscalls are charged.
    public var eventLoopTicks: EventLoopTicks?
    /// `--sync`, `--crash-kind` and the simulated sync latency.
    public var durability = Durability()
    /// Whether each replica's disk keeps what its persists wrote, for a crash to restore. A run that
    /// schedules no crash sets it false: its replicas still write their records (and pay for syncs),
    /// but nothing would ever read them back, so they are not kept (a disk is a second copy of every log).
    public var keepsDisks = true
    /// Whether the run stops at the first safety violation (the fault search: the first violation is the
    /// finding, and a replica run past it may meet a state its own preconditions rule out, such as a
    /// committed entry a power failure took from a majority).
    public var stopsAtFirstViolation = false

    public init(seed: UInt64) { self.seed = seed }
}

/// Where the load generator runs when replicas share CPUs, and what each request it sends and each
/// reply it reads costs (the frame, and any authentication the protocol's clients do).
public struct ClientCPU: Sendable, Equatable {
    public var cpu: Int
    public var perRequest: Interval
    public var perReply: Interval
    public init(cpu: Int, perRequest: Interval, perReply: Interval) {
        self.cpu = cpu
        self.perRequest = perRequest
        self.perReply = perReply
    }
}
