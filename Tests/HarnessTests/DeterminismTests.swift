import Harness
import Testing

@Suite("Same seed, same run")
struct DeterminismTests {
    @Test("two runs with the same seed measure exactly the same", arguments: ["raft", "multipaxos"])
    func sameSeedSameResult(protocolName: String) throws {
        var s = ExperimentSpec()
        s.protocolName = protocolName
        s.nodes = 5
        s.seed = 7
        s.workload.clients = 8
        s.duration = .milliseconds(300)
        s.faultSchedule = [try FaultParsing.crash("leader@600ms"), try FaultParsing.restart("leader@700ms")]
        let a = try ResolvedExperiment(s).run()
        let b = try ResolvedExperiment(s).run()
        #expect(a.ops == b.ops)
        #expect(a.messageCounts == b.messageCounts)
        #expect(a.messageBytes == b.messageBytes)
        #expect(a.latency == b.latency)
        #expect(a.eventsProcessed == b.eventsProcessed)
        #expect(a.history.map(\.completed) == b.history.map(\.completed))
        var c = s
        c.seed = 8
        let other = try ResolvedExperiment(c).run()
        #expect(other.eventsProcessed != a.eventsProcessed, "a different seed should give a different run")
    }
}
