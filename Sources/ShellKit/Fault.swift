import ConsensusCore

/// A fault a shell injects at a scheduled instant: one vocabulary for the simulator and the tcp and
/// process shells. A new fault is added here, then carried out by each shell (`Simulator+Faults`,
/// Loopback's `ControlState.inject`); partitions and cut links are kept by the kit's `Reachability`
/// and Byzantine behaviour is carried out by `ByzantineBehavior.tamper`, in both. A replica made
/// Byzantine stays Byzantine for the rest of the run.
public enum Fault: Sendable, Equatable, CustomStringConvertible {
    /// Which replica a crash or restart names.
    public enum Target: Sendable, Equatable, CustomStringConvertible {
        case node(NodeID)
        /// The current leader / primary at that instant (for a restart: the one last crashed as leader).
        case leader
        public var description: String {
            switch self {
            case .node(let n): return "\(n.rawValue)"
            case .leader: return "leader"
            }
        }
    }

    case crash(Target)
    case restart(Target)
    /// Cuts the cluster into groups; messages between groups are dropped. Replicas in no group are isolated.
    case partition([[NodeID]])
    /// Cuts the one link between two replicas, both directions.
    case cutLink(NodeID, NodeID)
    /// Cuts the clients off from these replicas, both directions (their requests to them and the
    /// replies they send are dropped), until a heal. Simulated network only.
    case cutClients([NodeID])
    /// Heals every partition and cut link.
    case heal
    /// From now on this replica misbehaves (its replica code stays honest; the shell tampers).
    case byzantine(NodeID, ByzantineBehavior)
    /// Changes message loss on every link.
    case loss(Double)
    /// Adds extra one-way latency on every link (a latency burst); `.zero` ends it.
    case extraLatency(Interval)

    /// Why this fault cannot run on real sockets (it models the simulated network), or nil.
    public var realNetworkProblem: String? {
        switch self {
        case .loss, .extraLatency, .cutClients:
            return "fault '\(self)' models a simulated network; the tcp shell runs on real sockets (use --shell sim)"
        default:
            return nil
        }
    }

    public var description: String {
        switch self {
        case .crash(let t): return "crash \(t)"
        case .restart(let t): return "restart \(t)"
        case .partition(let groups): return "partition " + groups.map { $0.map { "\($0.rawValue)" }.joined(separator: ",") }.joined(separator: "|")
        case .cutLink(let a, let b): return "cut \(a.rawValue)-\(b.rawValue)"
        case .cutClients(let ids): return "cut clients from " + ids.map { "\($0.rawValue)" }.joined(separator: ",")
        case .heal: return "heal"
        case .byzantine(let n, let b): return "byzantine \(n.rawValue):\(b.rawValue)"
        case .loss(let p): return "loss \(p)"
        case .extraLatency(let d): return "latency +\(d)"
        }
    }
}

/// A fault and when it happens.
public struct ScheduledFault: Sendable, Equatable {
    public var at: Instant
    public var fault: Fault
    public init(at: Instant, _ fault: Fault) {
        self.at = at
        self.fault = fault
    }
}
