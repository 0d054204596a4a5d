import ConsensusCore
import Testing
@testable import Raft

/// Leader election rules a scenario cannot show (the spread of randomized timeouts, cluster shapes), one
/// per test. Elections, votes, PreVote, check-quorum and restarts are scenarios in testdata/.
@Suite("Raft election rules")
struct ElectionRuleTests {
    @Test("election timeouts are drawn from the configured range, from the replica's seed")
    func randomizedTimeouts() {
        var settings = Raft.Settings()
        settings.bootstrapLeader = nil
        var timeouts: Set<Int64> = []
        for seed in 0 ..< UInt64(20) {
            var outbox = Outbox()
            let r = Raft.Replica(id: NodeID(1), cluster: ClusterConfig(replicaCount: 3, faultTolerance: 1), settings: settings,
                                 random: DeterministicRandom(seed: seed))
            r.start(durable: nil, now: .zero, outbox: &outbox)
            for case .setTimer(let t, let after) in outbox.effects where t == Raft.Timers.election {
                #expect(after >= settings.electionTimeoutMin && after <= settings.electionTimeoutMax)
                timeouts.insert(after.nanoseconds)
            }
        }
        #expect(timeouts.count > 10, "timeouts differ between replicas")
    }

    @Test("cluster shapes: n ≥ 2f+1, f ≤ (n−1)/2")
    func clusterValidation() {
        #expect(Raft.Replica.validate(ClusterConfig(replicaCount: 2, faultTolerance: 1)) == "raft needs n ≥ 2f+1 replicas (got n=2, f=1)")
        #expect(Raft.Replica.validate(ClusterConfig(replicaCount: 0, faultTolerance: 0)) != nil)
        #expect(Raft.Replica.validate(ClusterConfig(replicaCount: 3, faultTolerance: -1)) != nil)
        #expect(Raft.Replica.validate(ClusterConfig(replicaCount: 3, faultTolerance: 1)) == nil)
        #expect(Raft.Replica.validate(ClusterConfig(replicaCount: 1, faultTolerance: 0)) == nil)
        #expect(Raft.Replica.maximumFaults(replicaCount: 1) == 0)
        #expect(Raft.Replica.maximumFaults(replicaCount: 4) == 1)
        #expect(Raft.Replica.maximumFaults(replicaCount: 9) == 4)
        #expect(Raft.Replica.protocolName == "raft")
        let contract = Raft.Replica.clientContract(cluster: ClusterConfig(replicaCount: 3, faultTolerance: 1), settings: Raft.Settings())
        #expect(contract == ClientContract(matchingRepliesNeeded: 1, retryToAll: false, initialTarget: NodeID(0)))
    }
}
