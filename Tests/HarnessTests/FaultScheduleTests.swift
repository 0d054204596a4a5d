import Harness
import Testing

@Suite("A fault schedule that outlasts the window")
struct FaultScheduleTests {
    /// The reproduction: the window closes after 4,000 operations (about 0.7 s), long before
    /// the partition at 1.2 s and the heal at 2 s. Healed at the window's end and judged after a second,
    /// the run used to report a convergence violation: the partition came after the heal, and the
    /// scheduled heal after the check.
    @Test("every scheduled fault fires before the quiet period, so convergence is judged on a quiet cluster, and the run says so")
    func quietPeriodWaitsForTheLastFault() throws {
        var s = ExperimentSpec()
        s.protocolName = "raft"
        s.nodes = 5
        s.seed = 7
        s.workload.clients = 24
        s.workload.keyCount = 4
        s.workload.casRatio = 0.3
        s.ops = 4000
        s.network.lossProbability = 0.02
        s.faultSchedule = [try FaultParsing.crash("leader@1s"), try FaultParsing.restart("leader@1.6s"),
                           try FaultParsing.partition("0,1|2,3@1.2s"), try FaultParsing.heal("2s")]
        s.faultSchedule.sort { $0.at < $1.at }
        let result = try ResolvedExperiment(s).run()
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(result.faultLog.count == 4, "every scheduled fault fired: \(result.faultLog)")
        #expect(result.notes.contains { $0.hasPrefix("the fault schedule reaches past the window") }, "\(result.notes)")
    }

    @Test("a schedule inside the window adds no note")
    func scheduleInsideTheWindow() throws {
        var s = ExperimentSpec()
        s.protocolName = "raft"
        s.nodes = 3
        s.duration = .seconds(1)
        s.faultSchedule = [try FaultParsing.crash("leader@700ms"), try FaultParsing.restart("leader@1s")]
        let result = try ResolvedExperiment(s).run()
        #expect(result.notes.isEmpty, "\(result.notes)")
        #expect(result.violations.isEmpty, "\(result.violations)")
    }
}
