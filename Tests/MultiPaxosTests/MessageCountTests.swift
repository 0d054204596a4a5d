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
        spec.protocolOptions["paxos-commit"] = commit
        spec.workload.clients = 16
        spec.warmup = .milliseconds(300)
        spec.duration = .seconds(1)
        spec.quietPeriod = .milliseconds(200)
        spec.checkLinearizability = false
        return spec
    }

    /// Runs n replicas with `commit` and holds messages per operation to the declared analytic count.
    func steadyState(n: Int, commit: String, seed: UInt64) throws -> RunResult {
        let result = try ResolvedExperiment(spec(n: n, commit: commit, seed: seed)).run()
        let expected = MultiPaxos.Replica.expectedMessagesPerOperation(replicas: Double(n), options: ProtocolOptionValues(["paxos-commit": commit]))
        #expect(result.ops > 1000, "seed \(seed)")
        #expect(abs(result.messagesPerOp - expected) / expected < 0.02,
                "seed \(seed), n=\(n): \(result.messagesPerOp) messages/op, expected \(expected); by kind \(Array(zip(result.messageKinds, result.messageCounts)))")
        #expect(result.violations.isEmpty, "seed \(seed): \(result.violations)")
        return result
    }

    @Test("steady state without batching costs 2n messages per operation with piggybacked commits",
          arguments: [3, 5, 7, 9])
    func piggybackIs2n(n: Int) throws {
        #expect(MultiPaxos.Replica.expectedMessagesPerOperation(replicas: Double(n), options: ProtocolOptionValues()) == Double(2 * n))
        let result = try steadyState(n: n, commit: "piggyback", seed: 61)
        #expect(result.messageCounts[result.messageKinds.firstIndex(of: "Commit")!] == 0)
    }

    @Test("steady state without batching costs 3n − 1 messages per operation with explicit commits",
          arguments: [3, 5, 7, 9])
    func explicitIs3nMinus1(n: Int) throws {
        #expect(MultiPaxos.Replica.expectedMessagesPerOperation(replicas: Double(n), options: ProtocolOptionValues(["paxos-commit": "explicit"])) == Double(3 * n - 1))
        _ = try steadyState(n: n, commit: "explicit", seed: 62)
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
}
