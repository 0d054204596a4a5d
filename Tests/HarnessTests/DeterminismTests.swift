import Harness
import Testing

@Suite("Same seed, same run")
struct DeterminismTests {
    /// Through a leader crash and restart on a lossy network, with Multi-Paxos's piggybacked commits,
    /// every figure the run reports repeats exactly; another seed gives another run.
    @Test("two runs with the same seed measure exactly the same, event for event",
          arguments: [("raft", "explicit"), ("multipaxos", "piggyback")])
    func sameSeedSameRun(protocolName: String, paxosCommit: String) throws {
        var s = ExperimentSpec()
        s.protocolName = protocolName
        s.protocolOptions["paxos-commit"] = paxosCommit
        s.nodes = 5
        s.seed = 64
        s.workload.clients = 16
        s.warmup = .milliseconds(300)
        s.duration = .seconds(1)
        s.quietPeriod = .milliseconds(200)
        s.network.lossProbability = 0.01
        s.checkLinearizability = true
        s.faultSchedule = [try FaultParsing.crash("leader@700ms"), try FaultParsing.restart("leader@1s")]
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
        var c = s
        c.seed = 65
        let other = try ResolvedExperiment(c).run()
        #expect(other.eventsProcessed != a.eventsProcessed, "a different seed should give a different run")
    }
}
