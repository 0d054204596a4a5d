import ConsensusCore
@testable import PBFT
import Testing

/// What survives a crash (PBFT.DurableState) and what a restarted replica does with it.
@Suite("PBFT crash and restart")
struct DurabilityRuleTests {
    @Test("a restarted backup still refuses a second pre-prepare with another digest for the same (v, n)")
    func restartedBackupRemembersItsPrePrepare() {
        let backup = makeReplica(id: 1)
        var primary = Forger(0)
        let first = [put(sequence: 1, tag: 10)]
        let out = backup.deliver(primary.prePrepare(sequence: 1, batch: first), from: 0)
        // The acceptance was persisted before the PREPARE left.
        let persistAt = out.effects.firstIndex { if case .persist = $0 { return true } else { return false } }
        let prepareAt = out.effects.firstIndex { if case .broadcast(.prepare) = $0 { return true } else { return false } }
        #expect(persistAt != nil && prepareAt != nil && persistAt! < prepareAt!)
        let restarted = makeReplica(id: 1, durable: backup.durableState)
        #expect(restarted.acceptedDigest(1) == digest(first))
        let again = restarted.deliver(primary.prePrepare(sequence: 1, batch: [put(sequence: 1, tag: 99)]), from: 0)
        #expect(again.prepares.isEmpty)
        #expect(restarted.acceptedDigest(1) == digest(first))
    }

    @Test("a restarted primary never assigns a sequence number twice")
    func restartedPrimaryDoesNotReuseNumbers() {
        let primary = makeReplica(id: 0)
        _ = primary.request(put(client: 1, sequence: 1))
        _ = primary.request(put(client: 2, sequence: 1))
        let restarted = makeReplica(id: 0, durable: primary.durableState)
        let out = restarted.request(put(client: 3, sequence: 1))
        let numbers = out.broadcasts.compactMap { m -> UInt64? in if case .prePrepare(let p) = m { return p.sequence } else { return nil } }
        #expect(numbers == [3])
    }

    @Test("a restarted replica executes its committed log again from its checkpoint")
    func restartedReplicaReexecutes() {
        let c = ManualCluster(n: 4, settings: settings(checkpointInterval: 4))
        for k in 1 ... 6 { c.request(put(client: k, sequence: 1, key: UInt64(k))) }
        c.run()
        let before = c.replicas[2]
        #expect(before.lastExecuted == 6 && before.lowWaterMark == 4)
        let durable = before.durableState
        #expect(durable.checkpointSequence == 4)
        #expect(durable.loggedSequenceNumbers == [5, 6])
        let restarted = PBFT.Replica(id: NodeID(2), cluster: cluster(4), settings: settings(checkpointInterval: 4),
                                     random: DeterministicRandom(seed: 1))
        var outbox = Outbox()
        restarted.start(durable: durable, now: .zero, outbox: &outbox)
        #expect(restarted.lastExecuted == 6)
        #expect(restarted.stateMachine.digest == before.stateMachine.digest)
        #expect(outbox.applied.map(\.position) == [5, 6])
        // It asks the others what it may have missed.
        #expect(outbox.broadcasts.contains { if case .fetch = $0 { return true } else { return false } })
    }

    @Test("a replica that crashed while changing view sends its VIEW-CHANGE again after the restart")
    func restartedReplicaResendsViewChange() {
        let backup = makeReplica(id: 2)
        _ = backup.request(put(sequence: 1))
        let out = backup.fire(PBFT.Timers.request)
        #expect(out.viewChanges.count == 1)
        let restarted = PBFT.Replica(id: NodeID(2), cluster: cluster(4), settings: settings(), random: DeterministicRandom(seed: 1))
        var outbox = Outbox()
        restarted.start(durable: backup.durableState, now: .zero, outbox: &outbox)
        #expect(restarted.view == 1 && !restarted.isViewActive)
        #expect(outbox.viewChanges.map(\.newView) == [1])
    }
}
