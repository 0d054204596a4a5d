import Harness
import Testing

@Suite("Experiment specs are checked before anything runs")
struct SpecResolutionTests {
    func spec(_ protocolName: String, nodes: Int? = nil, faults: Int? = nil) -> ExperimentSpec {
        var s = ExperimentSpec()
        s.protocolName = protocolName
        s.nodes = nodes
        s.faults = faults
        return s
    }

    @Test("an unknown protocol is refused with the known ones named")
    func unknownProtocol() {
        #expect(throws: ExperimentError.self) { try ResolvedExperiment(spec("zab")) }
        do { _ = try ResolvedExperiment(spec("zab")) } catch let e as ExperimentError {
            #expect(e.description.contains("unknown protocol 'zab'"))
            #expect(e.description.contains("raft"))
        } catch { Issue.record("unexpected \(error)") }
    }

    @Test("raft needs n ≥ 2f+1")
    func raftFaultArithmetic() throws {
        #expect(throws: ExperimentError.self) { try ResolvedExperiment(spec("raft", nodes: 2, faults: 1)) }
        let ok = try ResolvedExperiment(spec("raft", nodes: 3, faults: 1))
        #expect(ok.cluster.replicaCount == 3)
    }

    @Test("zero replicas are refused")
    func zeroNodes() {
        #expect(throws: ExperimentError.self) { try ResolvedExperiment(spec("raft", nodes: 0)) }
    }

    @Test("faults default to the most n allows, and n to the fewest that tolerate f")
    func defaults() throws {
        #expect(try ResolvedExperiment(spec("raft", nodes: 7)).cluster.faultTolerance == 3)
        #expect(try ResolvedExperiment(spec("raft", faults: 4)).cluster.replicaCount == 9)
        #expect(try ResolvedExperiment(spec("multipaxos", faults: 2)).cluster.replicaCount == 5)
    }

    @Test("allow-unsafe lets an impossible configuration run on purpose")
    func allowUnsafe() throws {
        var s = spec("raft", nodes: 2, faults: 1)
        s.allowUnsafe = true
        #expect(try ResolvedExperiment(s).cluster.replicaCount == 2)
    }

    @Test("fault flags parse, and bad ones are one-line errors")
    func faultParsing() throws {
        let crash = try FaultParsing.crash("leader@2s")
        #expect(crash.at.nanoseconds == 2_000_000_000)
        let p = try FaultParsing.partition("0,1|2,3,4@1500ms")
        #expect(p.at.nanoseconds == 1_500_000_000)
        #expect(throws: ExperimentError.self) { try FaultParsing.crash("leader") }
        #expect(throws: ExperimentError.self) { try FaultParsing.crash("x@2s") }
        #expect(throws: ExperimentError.self) { try FaultParsing.byzantine("2:evil") }
        #expect(throws: ExperimentError.self) { try FaultParsing.partition("0,1@2s") }
    }

    @Test("a crash naming a replica beyond the cluster is refused")
    func crashBeyondCluster() throws {
        var s = spec("raft", nodes: 3)
        s.faultSchedule = [try FaultParsing.crash("7@1s")]
        #expect(throws: ExperimentError.self) { try ResolvedExperiment(s) }
    }
}
