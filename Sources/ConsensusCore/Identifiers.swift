/// A replica's identity inside one cluster: `0 ..< n`. Dense so shells can index arrays by it.
public struct NodeID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    @inlinable public init(_ rawValue: Int) { self.rawValue = Int32(truncatingIfNeeded: rawValue) }
    @inlinable public var index: Int { Int(rawValue) }
    @inlinable public static func < (a: NodeID, b: NodeID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "n\(rawValue)" }
}

/// A client session's identity. Session tables key on it, so a retried request is applied at most once.
public struct ClientID: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var rawValue: UInt32
    @inlinable public init(_ rawValue: Int) { self.rawValue = UInt32(truncatingIfNeeded: rawValue) }
    @inlinable public var index: Int { Int(rawValue) }
    @inlinable public static func < (a: ClientID, b: ClientID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "c\(rawValue)" }
}

/// A named timer of one replica. Each protocol numbers its own timers (election, heartbeat, view change…).
/// Setting a timer that is already set re-arms it: a replica has at most one pending firing per id.
/// Ids run `0 ..< TimerID.limit`: shells keep one slot per replica and id.
public struct TimerID: Hashable, Sendable {
    public var rawValue: UInt16
    @inlinable public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    /// Every timer id is below this; `Outbox.setTimer` and `cancelTimer` assert it.
    @inlinable public static var limit: Int { 32 }
}

/// The size of a cluster and how many faults it must tolerate.
public struct ClusterConfig: Sendable, Equatable {
    /// Number of replicas, `n`.
    public var replicaCount: Int
    /// Faults tolerated, `f`: crash faults for Raft/Multi-Paxos (n ≥ 2f+1), Byzantine for PBFT (n ≥ 3f+1).
    public var faultTolerance: Int

    public init(replicaCount: Int, faultTolerance: Int) {
        self.replicaCount = replicaCount
        self.faultTolerance = faultTolerance
    }

    @inlinable public var replicas: Range<Int> { 0 ..< replicaCount }
    /// A majority of the cluster: the crash-fault quorum.
    @inlinable public var majority: Int { replicaCount / 2 + 1 }
}
