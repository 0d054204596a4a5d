import ConsensusCore
@testable import PBFT
import Testing

/// What survives a crash (PBFT.DurableState) and what a restarted replica does with it. Restarts in a
/// cluster (a primary, a replica mid view change, one past a checkpoint) are scenarios in testdata/.
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
}
