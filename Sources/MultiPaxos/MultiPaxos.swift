import ConsensusCore

/// Multi-Paxos: Lamport's "Paxos Made Simple" §3 (a sequence of Paxos instances, one per log slot,
/// with a distinguished proposer running phase 1 once for all of them), written after van Renesse and
/// Altinbuken's "Paxos Made Moderately Complex" (PMMC), where every replica plays proposer
/// (leader), acceptor and learner.
///
/// - Ballots are `(round, node)`, totally ordered and unique per proposer ([`Ballot`]).
/// - A replica that suspects the leader (no heartbeat within a randomized timeout) runs phase 1 with a
///   higher ballot for every slot from its first unchosen one (PMMC's *scout*), adopts for each slot the
///   value accepted under the highest ballot any promise reports, fills holes with no-ops, and
///   re-proposes them before serving new commands (PMMC's *commanders*, one per slot, here a vote
///   window).
/// - A value is chosen once a majority accepted it under one ballot. Replicas learn chosen slots from
///   the chosen-up-to index the leader piggybacks on its next Accept or heartbeat, or from an explicit
///   Commit per slot (`Settings.commitMode`), and apply them strictly in slot order.
/// - Each replica compacts its log on its own (`Settings.snapshotInterval`): the state machine after
///   the applied prefix replaces those slots, and a replica that needs slots another no longer holds
///   gets that snapshot by catch-up (Paxos Made Live §5.5).
/// - A proposer that meets a higher ballot steps down and backs off for a randomized interval, so
///   duelling proposers (the live-lock of "Paxos Made Simple" §2.4) do not go on forever.
public enum MultiPaxos {
    /// The request that fills a hole (a slot no promise reported a value for). Every replica uses this
    /// exact request, so the agreement check sees the same thing at that position everywhere.
    public static let noopRequest = ClientRequest(client: ClientID.system, sequence: 0, command: .noop)

    /// `Settings.snapshotInterval`'s default, Raft's (etcd's `--snapshot-count` before v3.2): a long run
    /// keeps at most this many applied slots, so memory and the journal stay bounded.
    public static let defaultSnapshotInterval = 10_000
}
