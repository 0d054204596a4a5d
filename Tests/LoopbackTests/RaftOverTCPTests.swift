import ConsensusCore
import Harness
import Loopback
import Raft
import Testing
import Workload

/// Raft over real sockets on 127.0.0.1: the same replicas as in the simulator, real time.
@Suite("Raft over loopback TCP", .serialized)
struct RaftOverTCPTests {
    static func spec(clients: Int = 8, duration: Interval = .milliseconds(600)) -> ExperimentSpec {
        var spec = ExperimentSpec()
        spec.shell = "tcp"
        spec.protocolName = "raft"
        spec.nodes = 3
        spec.seed = 7
        spec.workload.clients = clients
        spec.warmup = .milliseconds(300)
        spec.duration = duration
        spec.quietPeriod = .milliseconds(300)
        return spec
    }

    @Test("a 3-node Raft cluster over TCP commits operations, safely and linearizably", .timeLimit(.minutes(1)))
    func commits() throws {
        let result = try ResolvedExperiment(Self.spec()).run()
        #expect(result.ops > 100, "only \(result.ops) operations completed in the window")
        #expect(result.violations.isEmpty, "\(result.violations)")
        #expect(result.linearizable == "true", "\(result.linearizabilityDetail ?? "")")
        #expect(result.leaderChanges == 0)
        print("raft tcp: \(result.ops) ops, \(Int(result.throughputOpsPerSecond)) ops/s, p50 \(result.latency.p50) us, \(result.messagesPerOp) msgs/op")
    }
}
