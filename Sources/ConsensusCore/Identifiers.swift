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
    /// The session of requests no client sent: the no-ops that fill holes (Raft's leader no-op,
    /// Multi-Paxos's hole fillers, PBFT's null requests). Client ids are dense from 0, and the wire
    /// keeps the top bit of the u32 for "an authenticator follows", so this is the top of the rest.
    public static let system = ClientID(0x7FFF_FFFF)
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
    /// The key material the cluster's members (replicas and clients) share out of band, as PBFT assumes
    /// (TOCS §3.2: keys are established before the protocol runs); every key a protocol uses derives
    /// from it. A run takes it from its seed (`secret(forSeed:)`), so same seed, same keys, and another
    /// seed, other keys. Harnesses with no run (calibration, unit tests) keep the default.
    public var secret: UInt64

    public init(replicaCount: Int, faultTolerance: Int, secret: UInt64 = 0) {
        self.replicaCount = replicaCount
        self.faultTolerance = faultTolerance
        self.secret = secret
    }

    /// The shared secret of the run seeded `seed`: the seed through a SplitMix64 finaliser, so that the
    /// secret is not the seed itself (a report names the seed).
    public static func secret(forSeed seed: UInt64) -> UInt64 {
        var z = seed &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inlinable public var replicas: Range<Int> { 0 ..< replicaCount }
    /// A majority of the cluster: the crash-fault quorum.
    @inlinable public var majority: Int { replicaCount / 2 + 1 }
}
