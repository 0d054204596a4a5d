import ConsensusCore
import Harness
import Testing

/// PBFT over real sockets, once PBFT is registered in `ProtocolRegistry`.
@Suite("PBFT over loopback TCP", .serialized)
struct PBFTOverTCPTests {
    static var registered: Bool { ProtocolRegistry.names.contains("pbft") }

    @Test("a PBFT cluster of 4 with one silent replica keeps committing over TCP",
          .enabled(if: registered, "PBFT is not registered in ProtocolRegistry yet"), .timeLimit(.minutes(1)))
    func silentReplica() throws {
        var spec = ExperimentSpec()
        spec.shell = "tcp"
        spec.protocolName = "pbft"
        spec.nodes = 4
        spec.seed = 5
        spec.workload.clients = 8
        spec.warmup = .milliseconds(300)
        spec.duration = .milliseconds(1000)
        spec.quietPeriod = .milliseconds(500)
        spec.faultSchedule = [try FaultParsing.byzantine("3:silent")]
        let result = try ResolvedExperiment(spec).run()
        #expect(result.ops > 50, "only \(result.ops) operations completed in the window")
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(result.linearizable == "true", "\(result.linearizabilityDetail ?? "")")
        #expect(result.timeseries.allSatisfy { $0.completedOps > 0 }, "\(result.timeseries)")
    }
}

extension PBFTOverTCPTests {
    @Test("a PBFT primary that falls silent over TCP is replaced by a view change and clients carry on",
          .enabled(if: registered, "PBFT is not registered in ProtocolRegistry yet"), .timeLimit(.minutes(1)))
    func silentPrimary() throws {
        var spec = ExperimentSpec()
        spec.shell = "tcp"
        spec.protocolName = "pbft"
        spec.nodes = 4
        spec.seed = 6
        spec.workload.clients = 8
        spec.warmup = .milliseconds(300)
        spec.duration = .milliseconds(2500)
        spec.quietPeriod = .milliseconds(500)
        spec.faultSchedule = [try FaultParsing.byzantine("0:silent@700ms")]
        let result = try ResolvedExperiment(spec).run()
        #expect(result.faultLog.count == 1, "\(result.faultLog)")
        #expect(result.leaderChanges >= 1, "no view change after the primary fell silent")
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(result.linearizable == "true", "\(result.linearizabilityDetail ?? "")")
        #expect(result.timeseries.last.map { $0.completedOps > 0 } == true, "\(result.timeseries)")
    }
}
