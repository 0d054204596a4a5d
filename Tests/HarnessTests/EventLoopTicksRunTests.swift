import Harness
import Simulation
import Testing

/// Runs of whole protocols with the event loops' ticks charged (validate's twin of the tcp shell):
/// frames wait for their tick's flush, so a crash, a view change or a restart meets frames written
/// but not yet sent. Fixed seeds.
@Suite("Protocols under the event-loop tick model")
struct EventLoopTicksRunTests {
    static func spec(_ protocolName: String, nodes: Int) -> ExperimentSpec {
        var s = ExperimentSpec()
        s.protocolName = protocolName
        s.nodes = nodes
        s.seed = 11
        s.workload.clients = 16
        s.duration = .seconds(1)
        s.sharedCPUs = 2
        s.eventLoopTicks = EventLoopTicks(perSyscall: .microseconds(2), perWakeUp: .microseconds(25))
        return s
    }

    @Test("a leader that crashes with frames waiting for its flush is replaced, and the run stays safe and linearizable",
          arguments: ["raft", "multipaxos"])
    func crashDuringATick(protocolName: String) throws {
        var s = Self.spec(protocolName, nodes: 5)
        s.faultSchedule = [try FaultParsing.crash("leader@700ms"), try FaultParsing.restart("leader@1.1s")]
        let result = try ResolvedExperiment(s).run()
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(result.ops > 0 && result.linearizable == "true", "\(result.linearizable)")
    }

    @Test("a PBFT primary that crashes under ticks is replaced by a view change and clients carry on")
    func pbftViewChange() throws {
        var s = Self.spec("pbft", nodes: 4)
        s.faultSchedule = [try FaultParsing.crash("leader@700ms")]
        let result = try ResolvedExperiment(s).run()
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(result.ops > 0 && result.linearizable == "true", "\(result.linearizable)")
    }
}
