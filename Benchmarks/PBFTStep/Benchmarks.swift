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
import Calibration
import StepDriver

// Names without spaces or slashes (`thresholds check` looks them up verbatim: ordo-one/benchmark#301).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .replicaStep(mallocTolerancePerBatch: 50)

    for auth in [PBFT.Authentication.none, .mac] {
        registerReplicaStep(SteadyStates.pbft(n: 4, observed: 1, auth: auth, name: "pbft-backup-n4-auth-\(auth.rawValue)"))
    }
    registerReplicaStep(SteadyStates.pbft(n: 4, observed: 0, auth: .mac, name: "pbft-primary-n4-auth-mac"))
}
