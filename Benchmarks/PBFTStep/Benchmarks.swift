// PBFT's replica step (OSDI'99 §4.2, §4.3): one replica of a 4-node cluster (f = 1) in the normal
// case, fed through the `Replica` contract with no simulator around it. The inputs come from a whole
// cluster stepped in lock step (StepDriver), so they are the messages PBFT really sends, with real
// authenticators: one request per sequence number, 16 closed-loop clients at the primary (replica 0,
// view 0), checkpoints every 128 sequence numbers.
//
//   pbft-backup-n4-auth-none / -auth-mac: backup 1 receives, per sequence number, the PRE-PREPARE,
//     the 2f = 2 other backups' PREPAREs and 2f+1 = 3 COMMITs (the primary's and the other backups'),
//     plus a CHECKPOINT from each of the three others every 128 sequence numbers. It multicasts its own
//     PREPARE and COMMIT, executes in order and answers the client. With `mac` every message carries
//     an authenticator (one HMAC-SHA256 per receiver) that the backup verifies, and its own multicasts
//     compute four.
//   pbft-primary-n4-auth-mac: the primary receives client requests (assign a sequence number, digest,
//     multicast PRE-PREPARE) and the three backups' PREPAREs and COMMITs.

import Benchmark
import ConsensusCore
import PBFT
import LockstepTesting
import StepDriver

func pbftReplicaMaker(_ auth: PBFT.Authentication) -> (NodeID) -> PBFT.Replica {
    { id in
        PBFT.Replica(id: id, cluster: ClusterConfig(replicaCount: 4, faultTolerance: 1), settings: PBFT.Settings(auth: auth),
                     random: DeterministicRandom(seed: 1 &+ UInt64(id.index)))
    }
}

/// View 0's primary is replica 0 from the start: nothing to elect.
func pbftViewZero(_ cluster: LockstepCluster<PBFT.Replica>) {
    guard cluster.replicas.allSatisfy({ $0.view == 0 && $0.isViewActive }) else { fatalError("every replica starts in view 0") }
}

// Names without spaces or slashes (`thresholds check` looks them up verbatim: ordo-one/benchmark#301).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .replicaStep(mallocTolerancePerBatch: 50)

    // Per sequence number a backup handles 1 PRE-PREPARE + 2 PREPAREs + 3 COMMITs (+ 3/128 CHECKPOINTs).
    let backupAppliedPerInput = 1.0 / (6.0 + 3.0 / 128)
    for auth in [PBFT.Authentication.none, .mac] {
        registerReplicaStep(ReplicaStepScenario(
            name: "pbft-backup-n4-auth-\(auth.rawValue)", replicaCount: 4, observed: 1, clientTarget: 0,
            appliedPerInput: backupAppliedPerInput, make: pbftReplicaMaker(auth), prepare: pbftViewZero))
    }

    // The primary: 1 request + 3 PREPAREs + 3 COMMITs per sequence number (+ 3/128 CHECKPOINTs).
    registerReplicaStep(ReplicaStepScenario(
        name: "pbft-primary-n4-auth-mac", replicaCount: 4, observed: 0, clientTarget: 0,
        appliedPerInput: 1.0 / (7.0 + 3.0 / 128), make: pbftReplicaMaker(.mac), prepare: pbftViewZero))
}
