import ConsensusCore
@testable import Simulation
import Testing
import Workload

@Suite("Messages in flight are stored once and freed by their last delivery")
struct MessageTableTests {
    func busyCluster(seed: UInt64 = 7) -> Simulator<ToyReplica> {
        var options = SimulationOptions(seed: seed)
        options.workload.clients = 32
        options.cpu.perMessage = .microseconds(100)  // inboxes fill up
        options.network.lossProbability = 0.05
        options.network.duplicateProbability = 0.05
        return Simulator<ToyReplica>(cluster: ClusterConfig(replicaCount: 5, faultTolerance: 0),
                                     settings: .init(), options: options)
    }

    @Test("a multicast lost, duplicated, queued in a busy inbox or dropped by a crash is freed exactly once")
    func everyMulticastIsFreed() {
        let sim = busyCluster()
        sim.start()
        sim.run(for: .milliseconds(100))
        #expect(sim.messages.liveCount > 0, "a busy cluster has messages in flight")
        var queuedByReference = 0
        for inbox in sim.inbox {
            for case .message in inbox { queuedByReference += 1 }
        }
        #expect(queuedByReference > 0, "some busy replica holds a message by reference")
        sim.crash(NodeID(3))  // its inbox and the deliveries still heading for it are dropped
        sim.run(for: .milliseconds(50))
        sim.restart(NodeID(3))
        sim.issuing = false
        sim.run(for: .seconds(5))
        #expect(sim.messages.liveCount == 0)
        #expect(sim.requests.liveCount == 0, "requests queued in the crashed inbox are freed too")
        #expect(sim.inbox.allSatisfy { $0.isEmpty })
    }

    @Test("every receiver gets the multicast its sender sent, FIFO per link")
    func receiversSeeEveryNote() {
        var options = SimulationOptions(seed: 3)
        options.workload.clients = 8
        let sim = Simulator<ToyReplica>(cluster: ClusterConfig(replicaCount: 4, faultTolerance: 0),
                                        settings: .init(), options: options)
        sim.start()
        sim.run(for: .milliseconds(50))
        sim.issuing = false
        sim.run(for: .seconds(1))
        #expect((0 ..< 4).map { sim.replica(NodeID($0)).requestsSeen }.reduce(0, +) > 0)
        for r in 0 ..< 4 {
            let sender = sim.replica(NodeID(r))
            for other in 0 ..< 4 where other != r {
                let seen = sim.replica(NodeID(other)).notesFrom[NodeID(r)] ?? []
                #expect(seen == (0 ..< sender.requestsSeen).map { UInt64($0 + 1) })
            }
        }
        #expect(sim.messages.liveCount == 0)
    }
}
