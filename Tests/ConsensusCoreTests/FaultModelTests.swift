import ConsensusCore
import Testing

@Suite("Fault model: the one n/f rule per protocol")
struct FaultModelTests {
    @Test("crash faults need n ≥ 2f+1, Byzantine faults n ≥ 3f+1")
    func minimumAndMaximum() {
        #expect((0 ... 4).map { FaultModel.crash.minimumReplicas(tolerating: $0) } == [1, 3, 5, 7, 9])
        #expect((0 ... 4).map { FaultModel.byzantine.minimumReplicas(tolerating: $0) } == [1, 4, 7, 10, 13])
        #expect((0 ... 7).map { FaultModel.crash.maximumFaults(replicaCount: $0) } == [0, 0, 0, 1, 1, 2, 2, 3])
        #expect((0 ... 7).map { FaultModel.byzantine.maximumFaults(replicaCount: $0) } == [0, 0, 0, 0, 1, 1, 1, 2])
        for model in [FaultModel.crash, .byzantine] {
            for f in 0 ... 10 {
                let n = model.minimumReplicas(tolerating: f)
                #expect(model.maximumFaults(replicaCount: n) == f)
                #expect(model.problem(with: ClusterConfig(replicaCount: n, faultTolerance: f), protocolName: "p") == nil)
                #expect(model.problem(with: ClusterConfig(replicaCount: n - 1, faultTolerance: f), protocolName: "p") != nil || n == 1)
            }
        }
    }

    @Test("the refusals read as they did when each protocol wrote its own")
    func messages() {
        #expect(FaultModel.crash.problem(with: ClusterConfig(replicaCount: 2, faultTolerance: 1), protocolName: "raft")
            == "raft needs n ≥ 2f+1 replicas (got n=2, f=1)")
        #expect(FaultModel.byzantine.problem(with: ClusterConfig(replicaCount: 3, faultTolerance: 1), protocolName: "pbft")
            == "pbft needs n ≥ 3f+1 replicas (got n=3, f=1)")
        #expect(FaultModel.crash.problem(with: ClusterConfig(replicaCount: 0, faultTolerance: 0), protocolName: "multipaxos")
            == "multipaxos needs at least one replica (got n=0)")
        #expect(FaultModel.byzantine.problem(with: ClusterConfig(replicaCount: 4, faultTolerance: -1), protocolName: "pbft")
            == "pbft cannot tolerate a negative number of faults (got f=-1)")
    }
}
