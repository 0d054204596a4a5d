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
import Calibration
import Raft
import StepDriver

// Names without spaces or slashes (`thresholds check` looks them up verbatim: ordo-one/benchmark#301).
let benchmarks: @Sendable () -> Void = {
    // One allocation per input would add 1000 per batch; the log's own growth is a few per batch.
    Benchmark.defaultConfiguration = .replicaStep(mallocTolerancePerBatch: 20)

    registerReplicaStep(SteadyStates.raft(n: 5, observed: 1, name: "raft-follower-n5"))
    registerReplicaStep(SteadyStates.raft(n: 5, observed: 0, name: "raft-leader-n5"))
}
