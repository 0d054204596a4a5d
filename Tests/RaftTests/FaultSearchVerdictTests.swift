import Checker
import Harness
import Raft
import Testing

@Suite("The fault search's verdicts")
struct FaultSearchVerdictTests {
    static func plan(seed: UInt64) -> FaultSearch.Plan {
        FaultSearch.plan(seed: seed, nodes: 3, minimumReplicas: { Raft.Replica.minimumReplicas(tolerating: $0) },
                         maximumFaults: { Raft.Replica.maximumFaults(replicaCount: $0) }, byzantineLimit: { _ in 0 })
    }

    /// The same run checked twice: with the default budget it passes; with a budget of one search step
    /// the checker cannot decide, and the seed is neither passed nor failed.
    @Test("a history the linearizability checker cannot decide is undecided: not a pass, not a failure")
    func undecidedIsReportedApart() {
        let plan = Self.plan(seed: 3)
        let decided = FaultSearch.run(Raft.Replica.self, settings: Raft.Settings(), plan: plan)
        #expect(decided.passed, "\(decided.failure ?? decided.undecided ?? "")")
        let starved = FaultSearch.run(Raft.Replica.self, settings: Raft.Settings(), plan: plan,
                                      budget: Linearizability.Budget(searchStepsMax: 1))
        #expect(starved.failure == nil, "\(starved.failure ?? "")")
        #expect(starved.undecided != nil)
        #expect(!starved.passed)
    }
}
