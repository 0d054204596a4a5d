import ConsensusCore
import Harness
import Testing
@testable import MultiPaxos

/// Seeded fault schedules (crashes, restarts, partitions, cut links, loss, duplication, reordering,
/// latency bursts) from the harness's VOPR-style search, for the settings `consensus-bench check`
/// does not cover by default: explicit commits, batching, a shallow pipeline.
@Suite("Multi-Paxos under seeded fault schedules")
struct FaultSearchTests {
    static let variants: [(name: String, settings: MultiPaxos.Settings)] = [
        ("explicit commits", MultiPaxos.Settings(commitMode: .explicit)),
        ("batches of 4", MultiPaxos.Settings(maxBatch: 4)),
        ("pipeline of 2, catch-up chunks of 16", MultiPaxos.Settings(maxInflight: 2, catchUpChunk: 16)),
    ]

    @Test("safety, liveness after healing, convergence and linearizability hold", arguments: 0 ..< 3)
    func seededFaults(variant: Int) {
        let (name, settings) = Self.variants[variant]
        for seed in UInt64(1) ... 8 {
            let plan = FaultSearch.plan(seed: seed, nodes: nil, minimumReplicas: { MultiPaxos.Replica.minimumReplicas(tolerating: $0) },
                                        maximumFaults: { MultiPaxos.Replica.maximumFaults(replicaCount: $0) },
                                        byzantineLimit: { _ in 0 })
            let outcome = FaultSearch.run(MultiPaxos.Replica.self, settings: settings, plan: plan)
            #expect(outcome.passed, "\(name), seed \(seed) (\(plan.description)): \(outcome.failure ?? "")")
        }
    }
}
