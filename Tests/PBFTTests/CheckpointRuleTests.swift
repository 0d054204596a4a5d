import ConsensusCore
@testable import PBFT
import Testing

/// Garbage collection (§4.3).
@Suite("PBFT checkpoints (§4.3)")
struct CheckpointRuleTests {
    @Test("a stable checkpoint discards the log below it")
    func stableCheckpointDiscardsLog() {
        let c = ManualCluster(n: 4, settings: settings(checkpointInterval: 4))
        for k in 1 ... 6 { c.request(put(client: k, sequence: 1, key: UInt64(k))) }
        // Hold CHECKPOINT messages back until the log has filled.
        var held: [(NodeID, NodeID, PBFT.Message)] = []
        c.drop = { from, to, m in
            if case .checkpoint = m { held.append((from, to, m)); return true }
            return false
        }
        c.run()
        let r = c.replicas[2]
        #expect(r.lastExecuted == 6)
        #expect(r.lowWaterMark == 0)
        #expect(r.logSize == 6)
        c.drop = { _, _, _ in false }
        for (from, to, m) in held { c.queue.append((from, to, m)) }
        c.run()
        #expect(r.lowWaterMark == 4)
        #expect(r.logSize == 2)   // sequence numbers 5 and 6 only
        #expect(r.checkpointMessagesHeld == 0)
        for k in 1 ... 4 { #expect(!r.isPrepared(UInt64(k)) && !r.isCommitted(UInt64(k))) }
        #expect(r.isCommitted(5) && r.isCommitted(6))
        // The stable checkpoint and its state are what survives a crash.
        #expect(r.durableState.checkpointSequence == 4)
        #expect(r.durableState.checkpointProof.count >= 3)
        #expect(r.durableState.checkpointDigest != r.stateMachine.digest)
    }

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

    @Test("the log stays bounded and the water marks advance over many operations")
    func logBoundedOverManyOperations() {
        let c = ManualCluster(n: 4, settings: settings(checkpointInterval: 16))
        for k in 1 ... 2000 {
            c.request(put(client: k % 7, sequence: UInt64(k / 7 + 1), key: UInt64(k % 13)))
            if k % 50 == 0 { c.run() }
        }
        c.run()
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
