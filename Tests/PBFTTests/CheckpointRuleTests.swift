import ConsensusCore
import LockstepTesting
@testable import PBFT
import Testing

/// Garbage collection (§4.3). A stable checkpoint discarding the log is a scenario: testdata/checkpoint.txt.
@Suite("PBFT checkpoints (§4.3)")
struct CheckpointRuleTests {
    @Test("a checkpoint needs 2f+1 matching CHECKPOINT messages to become stable")
    func stabilityNeedsQuorum() {
        let r = makeReplica(id: 1, settings: settings(checkpointInterval: 4))
        var forgers = (0 ..< 4).map { Forger($0) }
        _ = r.deliver(forgers[0].checkpoint(sequence: 4, stateDigest: 77), from: 0)
        _ = r.deliver(forgers[2].checkpoint(sequence: 4, stateDigest: 78), from: 2)
        _ = r.deliver(forgers[3].checkpoint(sequence: 4, stateDigest: 77), from: 3)
        #expect(r.lowWaterMark == 0)   // two match, one differs
        _ = r.deliver(forgers[2].checkpoint(sequence: 4, stateDigest: 77), from: 2)
        #expect(r.lowWaterMark == 0)   // one vote per replica
        let out = r.deliver(Forger(1).withCheckpoint(sequence: 4, stateDigest: 77), from: 1)
        #expect(out.effects.isEmpty)   // its own id from outside is ignored
        // A third matching one from a distinct replica: stable. The replica has not executed up to 4,
        // so it arms its fetch timer (it is behind).
        let r2 = makeReplica(id: 2, settings: settings(checkpointInterval: 4))
        for j in [0, 1, 3] {
            let o = r2.deliver(forgers[j].checkpoint(sequence: 4, stateDigest: 77), from: j)
            if j == 3 {
                #expect(r2.lowWaterMark == 4)
                #expect(o.effects.contains { if case .setTimer(PBFT.Timers.fetch, _) = $0 { return true } else { return false } })
            }
        }
    }

    /// A replica that entered a view on a checkpoint f+1 others hold, without its 2f+1 CHECKPOINTs,
    /// passes on a proof of fewer votes. f+1 replicas reporting the same stable checkpoint are proof
    /// enough: one of them is honest, and an honest replica's stable checkpoint is the state there.
    @Test("f+1 FETCH-REPLYs reporting the same stable checkpoint make it stable, whatever their proofs")
    func stableCheckpointVouchedForByFPlusOne() {
        let r = makeReplica(id: 1, settings: settings(checkpointInterval: 4))
        var forgers = (0 ..< 4).map { Forger($0) }
        func reply(_ j: Int, digest: UInt64) -> PBFT.Message {
            var w = CryptoWork()
            var m = PBFT.FetchReply(view: 0, lastExecuted: 8, stableSequence: 8, stableDigest: digest, stableProof: [],
                                    entries: [], newView: nil, replica: NodeID(j), authenticator: .none)
            m.authenticator = forgers[j].keys.authenticate(m.block, .pointToPoint, to: NodeID(1), work: &w)
            return .fetchReply(m)
        }
        _ = r.deliver(reply(0, digest: 66), from: 0)
        #expect(r.lowWaterMark == 0)   // one replica's word
        _ = r.deliver(reply(2, digest: 77), from: 2)
        #expect(r.lowWaterMark == 0)   // two replicas, two checkpoints
        _ = r.deliver(reply(3, digest: 77), from: 3)
        #expect(r.lowWaterMark == 8 && r.stableDigest == 77)
    }

    @Test("the log stays bounded and the water marks advance over many operations")
    func logBoundedOverManyOperations() {
        let c = lockstepCluster(settings: settings(checkpointInterval: 16))
        for k in 1 ... 2000 {
            c.order(put(client: k % 7, sequence: UInt64(k / 7 + 1), key: UInt64(k % 13)))
            if k % 50 == 0 { c.deliverAll() }
        }
        c.deliverAll()
        for r in c.replicas {
            #expect(r.lastExecuted == 2000)
            #expect(r.lowWaterMark == 2000)
            #expect(r.logSize == 0)
            #expect(r.checkpointMessagesHeld == 0)
            #expect(r.archivedBatches <= r.settings.effectiveArchiveLength)
            #expect(r.futureMessagesHeld == 0)
        }
        #expect(Set(c.replicas.map { $0.stateMachine.digest }).count == 1)
    }
}

extension Forger {
    func withCheckpoint(sequence: UInt64, stateDigest: UInt64) -> PBFT.Message {
        var copy = self
        return copy.checkpoint(sequence: sequence, stateDigest: stateDigest)
    }
}
