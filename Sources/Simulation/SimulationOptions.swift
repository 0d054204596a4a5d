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

    public init(seed: UInt64) { self.seed = seed }
}
