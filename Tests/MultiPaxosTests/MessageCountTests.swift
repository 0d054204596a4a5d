import Checker
import ConsensusCore
import ShellKit
import Harness
import Simulation
import Testing
@testable import MultiPaxos

/// Steady state through the harness, as `consensus-bench run --protocol multipaxos` measures it.
@Suite("Multi-Paxos message counts and determinism")
struct MessageCountTests {
    func spec(n: Int, commit: String, seed: UInt64) -> ExperimentSpec {
        var spec = ExperimentSpec()
        spec.protocolName = "multipaxos"
        spec.nodes = n
        spec.seed = seed
        spec.paxosCommit = commit
        spec.workload.clients = 16
        spec.warmup = .milliseconds(300)
        spec.duration = .seconds(1)
        spec.quietPeriod = .milliseconds(200)
        spec.checkLinearizability = false
        return spec
    }

    @Test("steady state without batching costs 2n messages per operation with piggybacked commits",
          arguments: [3, 5, 7, 9])
    func piggybackIs2n(n: Int) throws {
        let seed: UInt64 = 61
        let result = try ResolvedExperiment(spec(n: n, commit: "piggyback", seed: seed)).run()
        let expected = Double(2 * n)
        #expect(result.ops > 1000, "seed \(seed)")
        #expect(abs(result.messagesPerOp - expected) / expected < 0.02,
                "seed \(seed), n=\(n): \(result.messagesPerOp) messages/op, expected \(expected); by kind \(Array(zip(result.messageKinds, result.messageCounts)))")
        #expect(result.messageCounts[result.messageKinds.firstIndex(of: "Commit")!] == 0)
        #expect(result.violations.isEmpty, "seed \(seed): \(result.violations)")
    }

    @Test("steady state without batching costs 3n − 1 messages per operation with explicit commits",
          arguments: [3, 5, 7, 9])
    func explicitIs3nMinus1(n: Int) throws {
        let seed: UInt64 = 62
        let result = try ResolvedExperiment(spec(n: n, commit: "explicit", seed: seed)).run()
        let expected = Double(3 * n - 1)
        #expect(result.ops > 1000, "seed \(seed)")
        #expect(abs(result.messagesPerOp - expected) / expected < 0.02,
                "seed \(seed), n=\(n): \(result.messagesPerOp) messages/op, expected \(expected); by kind \(Array(zip(result.messageKinds, result.messageCounts)))")
        #expect(result.violations.isEmpty, "seed \(seed): \(result.violations)")
    }

    @Test("batching puts several requests in one slot and costs fewer messages per operation")
    func batchingCutsMessages() throws {
        var s = spec(n: 5, commit: "piggyback", seed: 63)
        s.batch = 8
        s.workload.clients = 64
        let result = try ResolvedExperiment(s).run()
        #expect(result.ops > 1000)
        #expect(result.messagesPerOp < 6, "seed 63: \(result.messagesPerOp) messages/op with batches of up to 8")
        #expect(result.violations.isEmpty, "seed 63: \(result.violations)")
    }

    @Test("the same seed gives the same run, event for event")
    func sameSeedSameRun() throws {
        var s = spec(n: 5, commit: "piggyback", seed: 64)
        s.faultSchedule = [ScheduledFault(at: Instant(nanoseconds: 700_000_000), .crash(.leader)),
                           ScheduledFault(at: Instant(nanoseconds: 1_000_000_000), .restart(.leader))]
        s.network.lossProbability = 0.01
        s.checkLinearizability = true
        let a = try ResolvedExperiment(s).run()
        let b = try ResolvedExperiment(s).run()
        #expect(a.ops == b.ops)
        #expect(a.messageCounts == b.messageCounts)
        #expect(a.messageBytes == b.messageBytes)
        #expect(a.latency == b.latency)
        #expect(a.leaderChanges == b.leaderChanges && a.leaderChanges >= 1, "seed 64: the crash should cause a leader change")
        #expect(a.timeseries.map { "\($0)" } == b.timeseries.map { "\($0)" })
        #expect(a.latencyDistribution.map { "\($0)" } == b.latencyDistribution.map { "\($0)" })
        #expect(a.history.map { "\($0)" } == b.history.map { "\($0)" })
        #expect(a.eventsProcessed == b.eventsProcessed)
        #expect(a.violations.isEmpty, "seed 64: \(a.violations)")
        #expect(a.linearizable == "true", "seed 64: \(a.linearizable) \(a.linearizabilityDetail ?? "")")
    }
}
