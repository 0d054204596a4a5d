import ConsensusCore

/// Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm", USENIX ATC 2014),
/// §5 (leader election, log replication, safety) and §8 (client interaction), with PreVote and
/// check-quorum from Ongaro's thesis (§9.6, §6.2) so a partitioned node that rejoins does not depose
/// a healthy leader and a leader cut off from its majority stops acting as one.
///
/// The replica is a pure state machine (`Raft.Replica`): it never reads a clock, opens a socket or draws
/// randomness of its own; shells feed it inputs and carry out what it writes into its outbox. Its
/// shape follows etcd-io/raft: term handling happens once, at the door (`receive`), then one step
/// function per role.
public enum Raft {
    /// The role a server plays in its current term (Raft §5.1, Figure 4), plus PreVote's pre-candidate.
    public enum Role: Sendable, Equatable, CustomStringConvertible {
        case follower
        /// Asking whether it could win an election before it disturbs anyone's term (thesis §9.6).
        case preCandidate
        case candidate
        case leader

        public var description: String {
            switch self {
            case .follower: return "follower"
            case .preCandidate: return "pre-candidate"
            case .candidate: return "candidate"
            case .leader: return "leader"
            }
        }
    }

    /// The timers a Raft replica arms. One pending firing per id; arming again re-arms.
    public enum Timers {
        /// Followers and candidates: no leader heard from within the randomized election timeout (§5.2).
        public static let election = TimerID(0)
        /// Leaders: send AppendEntries to every follower, empty or not (§5.2).
        public static let heartbeat = TimerID(1)
        /// Leaders: step down unless a majority answered within the last election timeout (thesis §6.2).
        public static let checkQuorum = TimerID(2)
        /// Leaders with `batchDelay` > 0: send the partial batches that waited long enough.
        public static let batch = TimerID(3)
    }

    /// The session that owns the no-op entries a new leader appends at the start of its term (§8).
    /// Client ids come from a dense range starting at 0, so the top of the range is free.
    public static let noopClient = ClientID.system
    /// `Settings.snapshotInterval`'s default: etcd's `--snapshot-count` before v3.2 (10,000 entries).
    public static let defaultSnapshotInterval = 10_000

    /// The no-op entry of `term`: one per term, so its (client, sequence) is unique in any log.
    @inlinable public static func noopRequest(term: UInt64) -> ClientRequest {
        ClientRequest(client: noopClient, sequence: term, command: .noop)
    }
}
