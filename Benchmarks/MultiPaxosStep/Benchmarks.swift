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
import Calibration
import StepDriver

// Names without spaces or slashes (`thresholds check` looks them up verbatim: ordo-one/benchmark#301).
let benchmarks: @Sendable () -> Void = {
    // One allocation per input would add 1000 per batch; the log's own growth is a few per batch.
    Benchmark.defaultConfiguration = .replicaStep(mallocTolerancePerBatch: 20)

    registerReplicaStep(SteadyStates.multiPaxos(n: 5, observed: 1, name: "multipaxos-acceptor-piggyback-n5"))
    registerReplicaStep(SteadyStates.multiPaxos(n: 5, observed: 1, commitMode: .explicit, name: "multipaxos-acceptor-explicit-n5"))
    registerReplicaStep(SteadyStates.multiPaxos(n: 5, observed: 0, name: "multipaxos-leader-n5"))
}
