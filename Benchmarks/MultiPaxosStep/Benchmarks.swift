// Multi-Paxos's replica step: one replica of a 5-node cluster in the steady state of phase 2, fed
// through the `Replica` contract with no simulator around it. The inputs come from a whole cluster
// stepped in lock step (StepDriver), so they are the messages the protocol really sends: one request
// per slot, pipelined, 16 closed-loop clients at the leader (replica 0, elected at start).
//
//   multipaxos-acceptor-piggyback-n5: every input is an Accept (phase 2a) whose chosen-up-to index
//     commits the slots before it; the acceptor persists, answers Accepted and the learner applies.
//   multipaxos-acceptor-explicit-n5: `commitMode: .explicit`, so an Accept and a Commit per slot.
//   multipaxos-leader-n5: client requests (queue, propose, broadcast Accept) and the four followers'
//     Accepted messages (the vote window, choose, apply, reply).

import Benchmark
import ConsensusCore
import MultiPaxos
import LockstepTesting
import StepDriver

func multiPaxosReplicaMaker(_ settings: MultiPaxos.Settings) -> (NodeID) -> MultiPaxos.Replica {
    { id in
        MultiPaxos.Replica(id: id, cluster: ClusterConfig(replicaCount: 5, faultTolerance: 2), settings: settings,
                           random: DeterministicRandom(seed: 1 &+ UInt64(id.index)))
    }
}

/// Replica 0 is the default initial proposer: it ran phase 1 at start; deliver until it leads.
func awaitMultiPaxosLeader(_ cluster: LockstepCluster<MultiPaxos.Replica>) {
    cluster.run(until: { cluster.replicas[0].isLeader }, "replica 0 finished phase 1")
}

// Names without spaces or slashes (`thresholds check` looks them up verbatim: ordo-one/benchmark#301).
let benchmarks: @Sendable () -> Void = {
    // One allocation per input would add 1000 per batch; the log's own growth is a few per batch.
    Benchmark.defaultConfiguration = .replicaStep(mallocTolerancePerBatch: 20)

    let piggyback = multiPaxosReplicaMaker(MultiPaxos.Settings())
    let explicit = multiPaxosReplicaMaker(MultiPaxos.Settings(commitMode: .explicit))

    registerReplicaStep(ReplicaStepScenario(
        name: "multipaxos-acceptor-piggyback-n5", replicaCount: 5, observed: 1, clientTarget: 0,
        appliedPerInput: 1, make: piggyback, prepare: awaitMultiPaxosLeader))

    registerReplicaStep(ReplicaStepScenario(
        name: "multipaxos-acceptor-explicit-n5", replicaCount: 5, observed: 1, clientTarget: 0,
        appliedPerInput: 1.0 / 2, make: explicit, prepare: awaitMultiPaxosLeader))

    registerReplicaStep(ReplicaStepScenario(
        name: "multipaxos-leader-n5", replicaCount: 5, observed: 0, clientTarget: 0,
        appliedPerInput: 1.0 / 5, make: piggyback, prepare: awaitMultiPaxosLeader))
}
