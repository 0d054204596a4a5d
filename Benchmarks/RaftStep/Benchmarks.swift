// Raft's replica step (§5.3): one replica of a 5-node cluster in the steady state of log replication,
// fed through the `Replica` contract with no simulator around it. The inputs come from a whole
// cluster stepped in lock step (StepDriver), so they are the messages Raft really sends: default
// settings (one entry per AppendEntries, pipelined), 16 closed-loop clients at the leader.
//
//   raft-follower-n5: every input is an AppendEntries carrying one entry and the leader's commit
//     index; the follower appends, persists, applies what the commit index covers and answers.
//   raft-leader-n5: client requests (append, persist, send four AppendEntries) and the followers'
//     AppendEntries responses (match index, commit rule, apply, reply): 1 request and 4 responses
//     per operation.

import Benchmark
import ConsensusCore
import Raft
import LockstepTesting
import StepDriver

/// The cluster of both scenarios: five replicas, seeded per id; replica 0 is the bootstrap leader.
func makeRaftReplica(_ id: NodeID) -> Raft.Replica {
    Raft.Replica(id: id, cluster: ClusterConfig(replicaCount: 5, faultTolerance: 2), settings: Raft.Settings(),
                 random: DeterministicRandom(seed: 1 &+ UInt64(id.index)))
}

/// Replica 0 campaigns (PreVote, then RequestVote) once its election timeout has passed, and wins.
func electRaftLeader(_ cluster: LockstepCluster<Raft.Replica>) {
    cluster.advance(Raft.Settings().electionTimeoutMax)
    cluster.fire(Raft.Timers.election, at: 0)
    cluster.run(until: { cluster.replicas[0].role == .leader && cluster.replicas[0].commitIndex >= 1 },
                "replica 0 led and committed its no-op")
}

// Names without spaces or slashes (`thresholds check` looks them up verbatim: ordo-one/benchmark#301).
let benchmarks: @Sendable () -> Void = {
    // One allocation per input would add 1000 per batch; the log's own growth is a few per batch.
    Benchmark.defaultConfiguration = .replicaStep(mallocTolerancePerBatch: 20)

    registerReplicaStep(ReplicaStepScenario(
        name: "raft-follower-n5", replicaCount: 5, observed: 1, clientTarget: 0,
        appliedPerInput: 1, make: makeRaftReplica, prepare: electRaftLeader))

    registerReplicaStep(ReplicaStepScenario(
        name: "raft-leader-n5", replicaCount: 5, observed: 0, clientTarget: 0,
        appliedPerInput: 1.0 / 5, make: makeRaftReplica, prepare: electRaftLeader))
}
