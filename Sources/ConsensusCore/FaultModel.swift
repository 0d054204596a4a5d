/// How replicas of a protocol may fail, and so how many of n it tolerates (DESIGN.md, "Fault
/// arithmetic"). Each protocol declares its model once (`Replica.faultModel`); its `validate`, its
/// `maximumFaults` and the registry's smallest cluster for f faults all derive from it.
public enum FaultModel: Sendable, Equatable {
    /// Replicas fail by stopping (Raft, Multi-Paxos): two majorities must intersect, so n ≥ 2f+1.
    case crash
    /// Replicas may behave arbitrarily (PBFT §3): two quorums of 2f+1 must intersect in an honest
    /// replica, so n ≥ 3f+1.
    case byzantine

    /// k in n ≥ k·f + 1.
    @inlinable public var replicasPerFault: Int {
        switch self {
        case .crash: return 2
        case .byzantine: return 3
        }
    }

    /// The fewest replicas that tolerate `faults` faults: 2f+1 or 3f+1.
    @inlinable public func minimumReplicas(tolerating faults: Int) -> Int { replicasPerFault * faults + 1 }

    /// The most faults `replicaCount` replicas tolerate: (n−1)/2 or (n−1)/3 (0 for an empty cluster).
    @inlinable public func maximumFaults(replicaCount: Int) -> Int { max(0, (replicaCount - 1) / replicasPerFault) }

    /// Why `cluster` cannot run under this model, as one line naming the protocol
    /// (e.g. "raft needs n ≥ 2f+1 replicas (got n=2, f=1)"), or nil when it can.
    public func problem(with cluster: ClusterConfig, protocolName: String) -> String? {
        let n = cluster.replicaCount, f = cluster.faultTolerance
        if n < 1 { return "\(protocolName) needs at least one replica (got n=\(n))" }
        if f < 0 { return "\(protocolName) cannot tolerate a negative number of faults (got f=\(f))" }
        if n < minimumReplicas(tolerating: f) {
            return "\(protocolName) needs n ≥ \(replicasPerFault)f+1 replicas (got n=\(n), f=\(f))"
        }
        return nil
    }
}
