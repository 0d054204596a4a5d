import ConsensusCore
import Simulation
import Testing
@testable import MultiPaxos

/// Whole clusters in the deterministic simulator, with fixed seeds (printed in every failure message).
@Suite("Multi-Paxos in the simulator")
struct SimulatedClusterTests {
    typealias Sim = Simulator<MultiPaxos.Replica>

    func makeSim(n: Int, seed: UInt64, settings: MultiPaxos.Settings = MultiPaxos.Settings(), clients: Int = 0) -> Sim {
        var options = SimulationOptions(seed: seed)
        options.workload.clients = clients
        options.workload.requestTimeout = .milliseconds(300)
        let sim = Sim(cluster: ClusterConfig(replicaCount: n, faultTolerance: (n - 1) / 2), settings: settings, options: options)
        sim.start()
        return sim
    }

    func completed(_ sim: Sim) -> Int { sim.records.filter { $0.completed != nil }.count }

    func liveLeaders(_ sim: Sim) -> [NodeID] {
        (0 ..< sim.cluster.replicaCount).map { NodeID($0) }.filter { sim.isUp($0) && sim.replica($0).isLeader }
    }

    /// Stops new operations and lets the cluster go quiet.
    func settle(_ sim: Sim, for interval: Interval = .seconds(1)) {
        sim.issuing = false
        sim.heal()
        sim.run(for: interval)
    }

    /// Every live replica holds the same chosen sequence and the same KV state.
    func expectConverged(_ sim: Sim, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) {
        let live = (0 ..< sim.cluster.replicaCount).map { NodeID($0) }.filter { sim.isUp($0) }
        guard let first = live.first else { return }
        let reference = sim.replica(first)
        for id in live.dropFirst() {
            let other = sim.replica(id)
            #expect(other.firstUnchosenSlot == reference.firstUnchosenSlot,
                    "seed \(seed): replica \(id) chose up to \(other.firstUnchosenSlot), replica \(first) up to \(reference.firstUnchosenSlot)",
                    sourceLocation: sourceLocation)
            // Each replica compacts on its own: compare the chosen slots both still hold.
            let common = max(other.logStart, reference.logStart) ..< min(other.firstUnchosenSlot, reference.firstUnchosenSlot)
            #expect(common.allSatisfy { other.chosenValue(at: $0) == reference.chosenValue(at: $0) },
                    "seed \(seed): chosen sequences differ in \(common)", sourceLocation: sourceLocation)
            #expect(other.stateMachine.store == reference.stateMachine.store, "seed \(seed): KV states differ", sourceLocation: sourceLocation)
            #expect(other.stateMachine.digest == reference.stateMachine.digest, "seed \(seed): digests differ", sourceLocation: sourceLocation)
        }
        #expect(sim.safety.isSafe, "seed \(seed): \(sim.safety.violations)", sourceLocation: sourceLocation)
    }

    @Test("duelling proposers started at once eventually agree on one leader and make progress", arguments: [UInt64(11), 12, 13])
    func duellingProposers(seed: UInt64) {
        let n = 5
        let settings = MultiPaxos.Settings(initialProposers: (0 ..< n).map { NodeID($0) })
        let sim = makeSim(n: n, seed: seed, settings: settings, clients: 8)
        sim.run(until: Instant(nanoseconds: 3_000_000_000))
        #expect(sim.leadership.count >= 1, "seed \(seed): nobody ever led")
        #expect(liveLeaders(sim).count == 1, "seed \(seed): leaders at the end: \(liveLeaders(sim))")
        let progress = completed(sim)
        #expect(progress > 1000, "seed \(seed): only \(progress) operations completed")
        settle(sim)
        expectConverged(sim, seed: seed)
    }

    @Test("two proposers that keep preempting each other stop duelling thanks to randomized back-off")
    func twoProposersDuel() {
        let seed: UInt64 = 14
        let settings = MultiPaxos.Settings(initialProposers: [NodeID(1), NodeID(2)])
        let sim = makeSim(n: 3, seed: seed, settings: settings, clients: 4)
        sim.run(until: Instant(nanoseconds: 2_000_000_000))
        #expect(liveLeaders(sim).count == 1, "seed \(seed)")
        #expect(completed(sim) > 500, "seed \(seed): \(completed(sim)) completed")
        settle(sim)
        expectConverged(sim, seed: seed)
    }

    @Test("leader crash in the middle of a slot: the value a majority accepted survives into the next leader's log")
    func leaderCrashMidSlot() throws {
        let seed: UInt64 = 21
        let n = 5
        let sim = makeSim(n: n, seed: seed)
        sim.run(until: Instant(nanoseconds: 500_000_000))
        let oldLeader = try #require(sim.currentLeader, "seed \(seed)")
        for c in 1 ... 3 { sim.submit(put(client: 1000 + c, sequence: 1, key: UInt64(c)), to: oldLeader) }
        sim.run(for: .milliseconds(50))
        #expect(sim.externalReplies.count == 3, "seed \(seed)")

        let x = put(client: 1010, sequence: 1, key: 42, tag: 4242)
        sim.submit(x, to: oldLeader)
        var slot: UInt64?
        for _ in 0 ..< 10_000 {
            sim.run(for: .microseconds(5))
            let holders = (0 ..< n).filter { r in
                let replica = sim.replica(NodeID(r))
                return (0 ..< UInt64(replica.log.count)).contains { replica.accepted(at: $0)?.value == .one(x) }
            }
            if holders.count >= sim.cluster.majority {
                slot = (0 ..< UInt64(sim.replica(oldLeader).log.count)).first { sim.replica(oldLeader).accepted(at: $0)?.value == .one(x) }
                break
            }
        }
        let k = try #require(slot, "seed \(seed): a majority never accepted the value")
        #expect(sim.replica(oldLeader).chosenValue(at: k) == nil, "seed \(seed): the leader must crash before it learns slot \(k) chosen")
        sim.crash(oldLeader)

        sim.run(for: .seconds(2))
        let newLeader = try #require(sim.currentLeader, "seed \(seed): no new leader")
        #expect(newLeader != oldLeader)
        // New work goes through, behind the recovered slot.
        let y = put(client: 1011, sequence: 1, key: 43)
        sim.submit(y, to: newLeader)
        sim.run(for: .milliseconds(100))
        for r in 0 ..< n where r != oldLeader.index {
            #expect(sim.replica(NodeID(r)).chosenValue(at: k) == .one(x), "seed \(seed): replica \(r) lost slot \(k)")
        }
        #expect(sim.externalReplies.contains { $0.client == y.client }, "seed \(seed): the new leader made no progress")
        expectConverged(sim, seed: seed)
    }

    @Test("a minority partition chooses nothing, and after healing all replicas hold the same chosen sequence and KV state")
    func minorityPartition() throws {
        let seed: UInt64 = 31
        let n = 5
        let sim = makeSim(n: n, seed: seed, clients: 8)
        sim.run(until: Instant(nanoseconds: 1_000_000_000))
        let oldLeader = try #require(sim.currentLeader, "seed \(seed)")
        let oldBallot = sim.replica(oldLeader).ballot
        let minority = [oldLeader, NodeID((oldLeader.index + 1) % n)]
        let majority = (0 ..< n).map { NodeID($0) }.filter { !minority.contains($0) }
        sim.partition([minority, majority])
        sim.run(for: .milliseconds(10))  // what was already on the wire lands
        let frozen = minority.map { sim.replica($0).firstUnchosenSlot }
        let z = put(client: 1000, sequence: 1, key: 7, tag: 777)
        sim.submit(z, to: oldLeader)
        let majorityBefore = sim.replica(majority[0]).firstUnchosenSlot

        sim.run(for: .seconds(2))
        #expect(minority.map { sim.replica($0).firstUnchosenSlot } == frozen, "seed \(seed): the minority chose something")
        #expect(!sim.safety.appliedSequence.contains { $0 == z }, "seed \(seed): the minority's request was applied")
        let newLeader = try #require(liveLeaders(sim).first { majority.contains($0) }, "seed \(seed): the majority elected nobody")
        #expect(sim.replica(newLeader).ballot > oldBallot)
        #expect(sim.replica(majority[0]).firstUnchosenSlot > majorityBefore + 100, "seed \(seed): the majority made no progress")

        sim.heal()
        sim.run(for: .seconds(1))
        #expect(liveLeaders(sim).count == 1, "seed \(seed): leaders after healing: \(liveLeaders(sim))")
        settle(sim)
        expectConverged(sim, seed: seed)
    }

    @Test("a crashed replica restarts from its durable state and catches up")
    func restartCatchesUp() {
        let seed: UInt64 = 41
        let sim = makeSim(n: 3, seed: seed, clients: 8)
        sim.run(until: Instant(nanoseconds: 500_000_000))
        sim.crash(NodeID(2))
        sim.run(for: .seconds(1))
        sim.restart(NodeID(2))
        sim.run(for: .seconds(1))
        settle(sim)
        #expect(sim.replica(NodeID(2)).firstUnchosenSlot > 1000)
        expectConverged(sim, seed: seed)
    }

    @Test("message loss, duplication and reordering do not break agreement or stop progress")
    func lossyNetwork() {
        let seed: UInt64 = 51
        var options = SimulationOptions(seed: seed)
        options.workload.clients = 8
        options.workload.requestTimeout = .milliseconds(300)
        options.network.lossProbability = 0.02
        options.network.duplicateProbability = 0.02
        options.network.reorderProbability = 0.05
        let sim = Sim(cluster: ClusterConfig(replicaCount: 5, faultTolerance: 2), settings: MultiPaxos.Settings(), options: options)
        sim.start()
        sim.run(until: Instant(nanoseconds: 3_000_000_000))
        #expect(completed(sim) > 1000, "seed \(seed): \(completed(sim)) completed")
        sim.setLoss(0)
        settle(sim, for: .seconds(2))
        expectConverged(sim, seed: seed)
    }
}
