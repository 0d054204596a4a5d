import ConsensusCore
import Harness
import LockstepTesting
import ShellKit
import Simulation
import Testing
@testable import MultiPaxos

/// Log compaction and catching up from a snapshot (Paxos Made Live §5.5), driven through the simulator
/// with fixed seeds.
@Suite("Multi-Paxos log compaction")
struct CompactionTests {
    typealias Sim = Simulator<MultiPaxos.Replica>

    static func simulator(n: Int = 3, seed: UInt64, clients: Int, interval: Int) -> Sim {
        var options = SimulationOptions(seed: seed)
        options.workload.clients = clients
        options.workload.requestTimeout = .milliseconds(300)
        let sim = Sim(cluster: ClusterConfig(replicaCount: n, faultTolerance: (n - 1) / 2),
                      settings: MultiPaxos.Settings(snapshotInterval: interval), options: options)
        sim.start()
        return sim
    }

    @Test("each replica compacts its log once the interval's slots are applied, and keeps only what follows")
    func compactsOnItsOwn() {
        let seed: UInt64 = 21
        let sim = Self.simulator(seed: seed, clients: 8, interval: 100)
        sim.run(until: ms(1500))
        #expect(sim.records.count > 1000, "seed \(seed): \(sim.records.count) operations")
        for i in 0 ..< 3 {
            let r = sim.replica(NodeID(i))
            #expect(r.logStart >= 100, "seed \(seed): replica \(i) never compacted (applied up to \(r.firstUnchosenSlot))")
            #expect(r.log.count < 100 + 64, "seed \(seed): replica \(i) keeps \(r.log.count) slots")
            #expect(r.firstUnchosenSlot >= r.logStart)
            #expect(r.durableState.snapshotPosition == r.logStart, "seed \(seed): one request per slot, so positions are slots")
        }
        #expect(sim.safety.violations.isEmpty, "seed \(seed): \(sim.safety.violations)")
        #expect(sim.messageCount(of: "CatchUpSnapshot") == 0, "seed \(seed): no replica fell behind")
    }

    @Test("a replica back from a crash behind the others' snapshots catches up by CatchUpSnapshot, and the run stays linearizable",
          arguments: [UInt64(3), 4])
    func laggingReplicaGetsTheSnapshot(seed: UInt64) throws {
        var spec = ExperimentSpec()
        spec.protocolName = "multipaxos"
        spec.nodes = 3
        spec.seed = seed
        spec.protocolOptions["snapshot-interval"] = "200"
        spec.duration = .seconds(1)
        spec.faultSchedule = [try FaultParsing.crash("2@700ms"), try FaultParsing.restart("2@1200ms")]
        let result = try ResolvedExperiment(spec).run()
        let snapshots = result.messageCounts[try #require(result.messageKinds.firstIndex(of: "CatchUpSnapshot"))]
        #expect(snapshots > 0, "seed \(seed): the restarted replica needed slots the others had compacted")
        #expect(result.isSafe, "seed \(seed): \(result.violations) linearizable=\(result.linearizable)")
    }

    @Test("a replica cut off by a partition converges after healing: same state machine as the leader, from a snapshot")
    func partitionedReplicaConverges() throws {
        let seed: UInt64 = 5
        let sim = Self.simulator(seed: seed, clients: 8, interval: 50)
        sim.run(until: ms(500))
        let leader = try #require(sim.currentLeader, "seed \(seed)")
        let lagging = NodeID((leader.index + 1) % 3)
        let others = (0 ..< 3).map { NodeID($0) }.filter { $0 != lagging }
        sim.partition([[lagging], others])
        sim.run(for: .milliseconds(500))
        #expect(sim.replica(leader).logStart > sim.replica(lagging).firstUnchosenSlot,
                "seed \(seed): the leader compacted past the cut-off replica")
        sim.issuing = false
        sim.heal()
        sim.run(for: .seconds(1))
        let a = sim.replica(leader), b = sim.replica(lagging)
        #expect(sim.messageCount(of: "CatchUpSnapshot") > 0, "seed \(seed)")
        #expect(b.firstUnchosenSlot == a.firstUnchosenSlot, "seed \(seed): \(b.firstUnchosenSlot) against \(a.firstUnchosenSlot)")
        #expect(b.stateMachine == a.stateMachine, "seed \(seed): the caught-up state machine differs")
        #expect(sim.safety.violations.isEmpty, "seed \(seed): \(sim.safety.violations)")
    }

    @Test("a replica restarted after compacting rebuilds its state machine from the snapshot and the chosen slots after it")
    func restartsFromTheSnapshot() {
        let seed: UInt64 = 22
        let sim = Self.simulator(seed: seed, clients: 8, interval: 50)
        sim.run(until: ms(1000))
        let before = sim.replica(NodeID(1))
        let (applied, start) = (before.firstUnchosenSlot, before.logStart)
        #expect(start >= 50, "seed \(seed)")
        sim.crash(NodeID(1))
        sim.restart(NodeID(1))
        let r = sim.replica(NodeID(1))
        #expect(r.logStart == start)
        #expect(r.firstUnchosenSlot <= applied && r.firstUnchosenSlot >= start, "seed \(seed): applied up to \(r.firstUnchosenSlot)")
        #expect(r.stateMachine.executedCount > 0, "seed \(seed): the state machine came back from the snapshot")
        sim.run(until: ms(2000))
        #expect(sim.safety.violations.isEmpty, "seed \(seed): \(sim.safety.violations)")
    }

    @Test("a snapshot no further than the receiver's chosen prefix changes nothing")
    func staleSnapshotIgnored() {
        let r = makeReplica(id: 1)
        let before = r.durableState
        var outbox = Outbox()
        r.receive(.catchUpSnapshot(MultiPaxos.CatchUpSnapshot(logStart: 0, position: 0, state: KVStateMachine(), chosenUpTo: 0)),
                  from: NodeID(0), now: ms(5), outbox: &outbox)
        #expect(r.durableState == before)
        #expect(outbox.effects.isEmpty)
    }

    @Test("an acceptor asked for slots it compacted answers with its snapshot, and with values from its log start on")
    func answersWithTheSnapshot() {
        let seed: UInt64 = 23
        let sim = Self.simulator(seed: seed, clients: 8, interval: 50)
        sim.run(until: ms(500))
        let r = sim.replica(NodeID(0))
        #expect(r.logStart >= 50, "seed \(seed)")
        var outbox = Outbox()
        r.receive(.catchUpRequest(fromSlot: 0), from: NodeID(2), now: sim.now, outbox: &outbox)
        guard case .catchUpSnapshot(let m)? = outbox.messages.first?.message else {
            Issue.record("seed \(seed): answered \(outbox.messages)")
            return
        }
        #expect(m.logStart == r.logStart && m.state == r.durableState.snapshot && m.chosenUpTo == r.firstUnchosenSlot)
        var next = Outbox()
        r.receive(.catchUpRequest(fromSlot: r.logStart), from: NodeID(2), now: sim.now, outbox: &next)
        guard case .catchUp(let first, let values, _)? = next.messages.first?.message else {
            Issue.record("seed \(seed): answered \(next.messages)")
            return
        }
        #expect(first == r.logStart && !values.isEmpty)
    }
}
