import ConsensusCore
import Foundation
import Harness
import MultiPaxos
import PBFT
import Raft
import Simulation
import Testing

/// The checks can fail: each broken protocol variant is caught by the fault search (invariants,
/// convergence, liveness or linearizability) at a pinned seed. Set CONSENSUS_BENCH_DISCOVER=1 to
/// search seeds 1…300 for each control and print the first that catches it.
@Suite("Negative controls: broken protocols are caught")
struct NegativeControlTests {
    static func crashFaultPlan(_ seed: UInt64) -> FaultSearch.Plan {
        FaultSearch.plan(seed: seed, nodes: nil, minimumReplicas: { 2 * $0 + 1 }, maximumFaults: { ($0 - 1) / 2 },
                         byzantineLimit: { _ in 0 })
    }

    static func pbftPlan(_ seed: UInt64, equivocators: Int = 0) -> FaultSearch.Plan {
        var plan = FaultSearch.plan(seed: seed, nodes: nil, minimumReplicas: { 3 * $0 + 1 }, maximumFaults: { ($0 - 1) / 3 },
                                    byzantineLimit: { _ in 0 })
        let byzantine = (0 ..< equivocators).map { ScheduledFault(at: .zero, .byzantine(NodeID($0), .equivocate)) }
        plan.options.faults = byzantine + plan.options.faults
        return plan
    }

    static var pbftWithoutAuth: PBFT.Settings {
        var s = PBFT.Settings()
        s.auth = .none
        return s
    }

    /// The controls: a name, and a run of one seed.
    static let controls: [(String, @Sendable (UInt64) -> FaultSearch.Outcome)] = [
        ("raft granting votes without the election restriction", { seed in
            FaultSearch.run(RaftWithoutElectionRestriction.self, settings: Raft.Settings(), plan: crashFaultPlan(seed))
        }),
        ("multipaxos acceptor forgetting its promise on restart", { seed in
            FaultSearch.run(PaxosForgetfulAcceptor.self, settings: MultiPaxos.Settings(), plan: crashFaultPlan(seed))
        }),
        ("pbft committing with 2f commits", { seed in
            FaultSearch.run(PBFTCommitWithTwoF.self, settings: pbftWithoutAuth, plan: pbftPlan(seed))
        }),
        ("pbft with f+1 equivocating replicas (allow-unsafe)", { seed in
            let plan = pbftPlan(seed, equivocators: 0)
            let f = plan.cluster.faultTolerance
            return FaultSearch.run(PBFT.Replica.self, settings: PBFT.Settings(), plan: pbftPlan(seed, equivocators: f + 1))
        }),
    ]

    /// The seed at which each control is first caught (found with CONSENSUS_BENCH_DISCOVER=1).
    static let pinnedSeeds: [String: UInt64] = [:]

    @Test("each broken variant is caught at its pinned seed", arguments: controls.map(\.0))
    func caught(name: String) throws {
        let run = Self.controls.first { $0.0 == name }!.1
        let seed = try #require(Self.pinnedSeeds[name], "no pinned seed for \(name): run with CONSENSUS_BENCH_DISCOVER=1")
        let outcome = run(seed)
        #expect(outcome.failure != nil, "seed \(seed) no longer catches \(name)")
    }

    @Test("discover the first seed that catches each broken variant",
          .enabled(if: ProcessInfo.processInfo.environment["CONSENSUS_BENCH_DISCOVER"] != nil))
    func discover() {
        for (name, run) in Self.controls {
            var found: UInt64?
            for seed in UInt64(1) ... 300 where run(seed).failure != nil {
                found = seed
                break
            }
            print("DISCOVERED \(name): \(found.map(String.init) ?? "none in 1...300")")
        }
    }
}
