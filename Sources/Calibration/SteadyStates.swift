import ConsensusCore
import LockstepTesting
import MultiPaxos
import PBFT
import Raft

/// The normal-case steady states whose inputs are replayed into a twin replica: by the replica-step
/// benchmarks (Benchmarks/*Step) and by `calibrate`'s cost probe. Default settings, 16 closed-loop
/// clients at the leader or primary (replica 0), replicas seeded per id.
public enum SteadyStates {
    /// Raft (§5.3): replica 0 campaigns once its election timeout has passed and wins. A follower
    /// handles one AppendEntries (one entry, the leader's commit index) per operation; the leader one
    /// request and n − 1 AppendEntries responses.
    public static func raft(n: Int, observed: Int, name: String) -> ReplicaStepScenario<Raft.Replica> {
        ReplicaStepScenario(
            name: name, replicaCount: n, observed: observed, clientTarget: 0,
            appliedPerInput: observed == 0 ? 1.0 / Double(n) : 1,
            make: { id in
                Raft.Replica(id: id, cluster: ClusterConfig(replicaCount: n, faultTolerance: (n - 1) / 2), settings: Raft.Settings(),
                             random: DeterministicRandom(seed: 1 &+ UInt64(id.index)))
            },
            prepare: { cluster in
                cluster.advance(Raft.Settings().electionTimeoutMax)
                cluster.fire(Raft.Timers.election, at: 0)
                cluster.run(until: { cluster.replicas[0].role == .leader && cluster.replicas[0].commitIndex >= 1 },
                            "replica 0 led and committed its no-op")
            })
    }

    /// Multi-Paxos after replica 0's phase 1. An acceptor handles one Accept per operation (and, with
    /// explicit commits, one Commit); the leader one request and n − 1 Accepted.
    public static func multiPaxos(n: Int, observed: Int, commitMode: MultiPaxos.Settings.CommitMode = .piggyback,
                                  name: String) -> ReplicaStepScenario<MultiPaxos.Replica> {
        ReplicaStepScenario(
            name: name, replicaCount: n, observed: observed, clientTarget: 0,
            appliedPerInput: observed == 0 ? 1.0 / Double(n) : (commitMode == .explicit ? 1.0 / 2 : 1),
            make: { id in
                MultiPaxos.Replica(id: id, cluster: ClusterConfig(replicaCount: n, faultTolerance: (n - 1) / 2),
                                   settings: MultiPaxos.Settings(commitMode: commitMode),
                                   random: DeterministicRandom(seed: 1 &+ UInt64(id.index)))
            },
            prepare: { cluster in cluster.run(until: { cluster.replicas[0].isLeader }, "replica 0 finished phase 1") })
    }

    /// PBFT's normal case (OSDI'99 §4.2, §4.3) in view 0, whose primary is replica 0, with checkpoints
    /// every 128 sequence numbers. Per sequence number a backup handles the PRE-PREPARE, n − 2 PREPAREs
    /// and n − 1 COMMITs; the primary one request, n − 1 PREPAREs and n − 1 COMMITs; each also n − 1
    /// CHECKPOINTs every 128.
    public static func pbft(n: Int, observed: Int, auth: PBFT.Authentication = .mac, name: String) -> ReplicaStepScenario<PBFT.Replica> {
        let checkpoints = Double(n - 1) / 128
        let perSequence = observed == 0 ? Double(1 + 2 * (n - 1)) : Double(1 + (n - 2) + (n - 1))
        return ReplicaStepScenario(
            name: name, replicaCount: n, observed: observed, clientTarget: 0,
            appliedPerInput: 1 / (perSequence + checkpoints),
            make: { id in
                PBFT.Replica(id: id, cluster: ClusterConfig(replicaCount: n, faultTolerance: (n - 1) / 3),
                             settings: PBFT.Settings(auth: auth), random: DeterministicRandom(seed: 1 &+ UInt64(id.index)))
            },
            prepare: { cluster in
                guard cluster.replicas.allSatisfy({ $0.view == 0 && $0.isViewActive }) else { fatalError("every replica starts in view 0") }
                // The clients authenticate their requests, as the shells' do: a backup's cost includes checking them.
                cluster.clientCredentials = PBFT.Replica.clientCredentials(cluster: ClusterConfig(replicaCount: n, faultTolerance: (n - 1) / 3),
                                                                           settings: PBFT.Settings(auth: auth))
            })
    }
}
