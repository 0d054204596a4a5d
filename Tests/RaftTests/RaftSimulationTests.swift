import Checker
import ConsensusCore
import LockstepTesting
import ShellKit
import Harness
import Simulation
import Testing
@testable import Raft

/// Raft in the deterministic simulator, with fixed seeds. A failing test prints its seed in the
/// expectation's message; rerunning with that seed replays the run event for event.
@Suite("Raft in the simulator")
struct RaftSimulationTests {
    static func simulator(n: Int = 5, seed: UInt64, clients: Int = 4, faults: [ScheduledFault] = [],
                          settings: Raft.Settings = Raft.Settings()) -> Simulator<Raft.Replica> {
        var options = SimulationOptions(seed: seed)
        options.workload.clients = clients
        options.faults = faults
        let sim = Simulator<Raft.Replica>(cluster: ClusterConfig(replicaCount: n, faultTolerance: (n - 1) / 2),
                                          settings: settings, options: options)
        sim.start()
        return sim
    }

    static func completions(_ sim: Simulator<Raft.Replica>, after t: Instant) -> Int {
        sim.records.reduce(0) { $0 + (($1.completed.map { $0 > t }) == true ? 1 : 0) }
    }

    @Test("at most one leader per term over a seeded run with crashes", arguments: [UInt64(1), 2, 3])
    func atMostOneLeaderPerTerm(seed: UInt64) {
        let sim = Self.simulator(seed: seed, faults: [
            ScheduledFault(at: ms(800), .crash(.leader)),
            ScheduledFault(at: ms(1300), .restart(.leader)),
            ScheduledFault(at: ms(1800), .crash(.leader)),
            ScheduledFault(at: ms(1900), .crash(.node(NodeID(1)))),
            ScheduledFault(at: ms(2400), .restart(.leader)),
            ScheduledFault(at: ms(2500), .restart(.node(NodeID(1)))),
            ScheduledFault(at: ms(2900), .partition([[NodeID(0), NodeID(1)], [NodeID(2), NodeID(3), NodeID(4)]])),
            ScheduledFault(at: ms(3600), .heal),
        ])
        sim.run(until: ms(4500))
        var leaderOf: [UInt64: NodeID] = [:]
        for (at, node, term) in sim.leadership {
            if let other = leaderOf[term] {
                #expect(other == node, "seed \(seed): term \(term) has leaders \(other) and \(node) (at \(at))")
            }
            leaderOf[term] = node
        }
        #expect(leaderOf.count >= 3, "seed \(seed): the crashes forced new elections (\(leaderOf.count) terms had leaders)")
        #expect(sim.safety.violations.isEmpty, "seed \(seed): \(sim.safety.violations)")
    }

    @Test("after the leader crashes a new one is elected and clients carry on")
    func failover() throws {
        let seed: UInt64 = 11
        let sim = Self.simulator(seed: seed, faults: [ScheduledFault(at: ms(800), .crash(.leader))])
        sim.run(until: ms(799))
        let old = try #require(sim.currentLeader, "seed \(seed)")
        let oldTerm = sim.replica(old).currentTerm
        sim.run(until: ms(2500))
        #expect(!sim.isUp(old))
        let successor = try #require(sim.currentLeader, "seed \(seed): no leader after the crash")
        #expect(successor != old)
        #expect(sim.replica(successor).currentTerm > oldTerm)
        #expect(sim.replica(successor).role == .leader)
        // Clients found the new leader and kept completing operations.
        #expect(Self.completions(sim, after: ms(1800)) > 500, "seed \(seed)")
        #expect(sim.safety.violations.isEmpty, "seed \(seed): \(sim.safety.violations)")
    }

    @Test("a leader in a minority partition commits nothing")
    func minorityLeaderCommitsNothing() throws {
        let seed: UInt64 = 21
        let sim = Self.simulator(seed: seed)
        sim.run(until: ms(500))
        let old = try #require(sim.currentLeader, "seed \(seed)")
        let partner = NodeID((old.index + 1) % 5)
        let majority = (0 ..< 5).map { NodeID($0) }.filter { $0 != old && $0 != partner }
        sim.partition([[old, partner], majority])
        sim.run(for: .milliseconds(5))  // what was already on the wire lands
        let leader = sim.replica(old)
        let committedAtCut = leader.commitIndex
        let appendedAtCut = leader.lastIndex

        // A client reaches the cut-off leader (clients are not partitioned) while it still believes it leads.
        let late = ClientRequest(client: ClientID(1000), sequence: 1, command: .put(Key(1), Value(tag: 4242, size: 16)))
        sim.submit(late, to: old)
        sim.run(for: .milliseconds(5))
        #expect(leader.lastIndex > appendedAtCut, "seed \(seed): it appended the request it could not commit")

        sim.run(until: ms(2000))
        #expect(leader.commitIndex == committedAtCut, "seed \(seed): the cut-off leader committed")
        #expect(leader.role != .leader, "seed \(seed): check-quorum deposed it")
        let acknowledged = sim.externalReplies.filter { reply in
            if case .executed = reply.outcome { return true } else { return false }
        }
        #expect(acknowledged.isEmpty, "seed \(seed): the cut-off leader acknowledged \(acknowledged)")
        #expect(sim.externalReplies.contains { $0.outcome == .redirect(hint: nil) },
                "seed \(seed): stepping down, it sent the waiting client elsewhere")
        // The majority elected a leader of its own and went on committing.
        let successor = try #require(majority.first { sim.replica($0).role == .leader }, "seed \(seed)")
        #expect(sim.replica(successor).commitIndex > committedAtCut + 100)
        #expect(sim.safety.violations.isEmpty, "seed \(seed): \(sim.safety.violations)")
    }

    @Test("after healing every replica's log and KV state are identical", arguments: [UInt64(31), 32])
    func convergenceAfterHealing(seed: UInt64) {
        let sim = Self.simulator(seed: seed, faults: [
            ScheduledFault(at: ms(600), .partition([[NodeID(0), NodeID(1)], [NodeID(2), NodeID(3), NodeID(4)]])),
            ScheduledFault(at: ms(1200), .heal),
            ScheduledFault(at: ms(1400), .crash(.leader)),
            ScheduledFault(at: ms(1500), .cutLink(NodeID(1), NodeID(2))),
            ScheduledFault(at: ms(1800), .restart(.leader)),
            ScheduledFault(at: ms(2000), .heal),
        ])
        sim.run(until: ms(2300))
        sim.issuing = false
        sim.run(until: ms(3500))
        let replicas = (0 ..< 5).map { sim.replica(NodeID($0)) }
        let reference = replicas[0]
        #expect(reference.lastIndex > 1000, "seed \(seed): the run did work")
        for r in replicas.dropFirst() {
            #expect(r.log == reference.log, "seed \(seed): replica \(r.id) log differs from replica 0's")
            #expect(r.commitIndex == reference.commitIndex, "seed \(seed): replica \(r.id)")
            #expect(r.stateMachine.store == reference.stateMachine.store, "seed \(seed): replica \(r.id) KV state differs")
            #expect(r.stateMachine.digest == reference.stateMachine.digest, "seed \(seed): replica \(r.id) executed another sequence")
        }
        #expect(reference.commitIndex == reference.lastIndex, "seed \(seed): everything committed once quiet")
        #expect(sim.safety.violations.isEmpty, "seed \(seed): \(sim.safety.violations)")
    }

    @Test("under loss, duplication and reordering the replicas stay safe and converge", arguments: [UInt64(51), 52])
    func lossyNetwork(seed: UInt64) {
        var options = SimulationOptions(seed: seed)
        options.workload.clients = 4
        options.network.lossProbability = 0.05
        options.network.duplicateProbability = 0.05
        options.network.reorderProbability = 0.05
        options.faults = [ScheduledFault(at: ms(1200), .crash(.leader)), ScheduledFault(at: ms(1700), .restart(.leader))]
        let sim = Simulator<Raft.Replica>(cluster: ClusterConfig(replicaCount: 5, faultTolerance: 2), settings: Raft.Settings(), options: options)
        sim.start()
        sim.run(until: ms(2500))
        sim.issuing = false
        sim.setLoss(0)
        sim.run(until: ms(4000))
        let replicas = (0 ..< 5).map { sim.replica(NodeID($0)) }
        #expect(replicas[0].commitIndex > 500, "seed \(seed): progress despite the faults")
        for r in replicas.dropFirst() {
            #expect(r.log == replicas[0].log, "seed \(seed): replica \(r.id) log differs from replica 0's")
            #expect(r.stateMachine.digest == replicas[0].stateMachine.digest, "seed \(seed): replica \(r.id)")
        }
        #expect(sim.safety.violations.isEmpty, "seed \(seed): \(sim.safety.violations)")
    }

    @Test("a partitioned follower that rejoins does not disrupt the leader (PreVote)")
    func rejoiningFollowerDoesNotDisrupt() throws {
        let seed: UInt64 = 41
        let sim = Self.simulator(seed: seed, clients: 2)
        sim.run(until: ms(500))
        let leader = try #require(sim.currentLeader)
        let term = sim.replica(leader).currentTerm
        let loner = NodeID((leader.index + 2) % 5)
        sim.partition([(0 ..< 5).map { NodeID($0) }.filter { $0 != loner }, [loner]])
        sim.run(until: ms(2000))
        #expect(sim.replica(loner).currentTerm == term, "seed \(seed): the isolated node's failed pre-votes left its term alone")
        sim.heal()
        sim.run(until: ms(2600))
        #expect(sim.currentLeader == leader)
        #expect(sim.replica(leader).currentTerm == term, "seed \(seed): no new term")
        #expect(sim.leadership.count == 1, "seed \(seed): one election in the whole run")
        #expect(sim.replica(loner).log == sim.replica(leader).log || sim.replica(loner).commitIndex > 0)
    }

    @Test("same seed, same run")
    func deterministic() {
        func run() -> (UInt64, Int, [UInt64]) {
            let sim = Self.simulator(seed: 99, faults: [ScheduledFault(at: ms(800), .crash(.leader))])
            sim.run(until: ms(2000))
            return (sim.replica(NodeID(2)).stateMachine.digest, sim.eventsProcessed, sim.leadership.map(\.epoch))
        }
        let a = run(), b = run()
        #expect(a.0 == b.0 && a.1 == b.1 && a.2 == b.2)
    }

    // MARK: Message cost

    static func experiment(n: Int, batch: Int = 1, clients: Int = 64, seed: UInt64 = 5) throws -> RunResult {
        var spec = ExperimentSpec()
        spec.protocolName = "raft"
        spec.nodes = n
        spec.seed = seed
        spec.workload.clients = clients
        spec.warmup = .milliseconds(300)
        spec.duration = .milliseconds(250)
        spec.batch = batch
        spec.checkLinearizability = false
        let resolved = try ResolvedExperiment(spec)
        return try resolved.entry.simulate(resolved)
    }

    @Test("messages_per_op is 2n within 2% in steady state without batching", arguments: [3, 5, 7, 9])
    func messagesPerOpIsTwoN(n: Int) throws {
        let result = try Self.experiment(n: n)
        let expected = Raft.Replica.expectedMessagesPerOperation(replicas: Double(n), options: ProtocolOptionValues())
        #expect(expected == Double(2 * n))
        #expect(result.ops > 5_000, "n=\(n): \(result.ops) operations")
        #expect(abs(result.messagesPerOp - expected) / expected < 0.02,
                "n=\(n): \(result.messagesPerOp) messages per op, expected \(expected) (\(Array(zip(result.messageKinds, result.messageCounts))))")
        #expect(result.violations.isEmpty, "n=\(n): \(result.violations)")
    }

    @Test("with 64 clients and maxBatch 64 messages per op drop well below 2n")
    func batchingCutsMessages() throws {
        let n = 5
        let result = try Self.experiment(n: n, batch: 64)
        #expect(result.ops > 5_000)
        #expect(result.messagesPerOp < Double(n), "\(result.messagesPerOp) messages per op with batches of up to 64")
        #expect(result.violations.isEmpty, "\(result.violations)")
    }
}

@Suite("Raft without syncs under power failures")
struct RaftPowerFailureTests {
    /// Seed 58 of the fault search (39 before client traffic could fail) with `--crash-kind power` and
    /// the default `--sync none`: power
    /// failures take committed entries from a majority's disks, and a later leader sends a follower an
    /// entry that conflicts with one it knows committed. The follower used to trap there; now it says so
    /// and the search reports an agreement violation, as it must without syncs.
    @Test("a follower sent an entry that conflicts with a committed one reports the run unsafe instead of trapping")
    func conflictWithCommittedEntryIsReported() throws {
        var durability = Durability()
        durability.crashKind = .power
        let outcome = try ProtocolRegistry.entry(named: "raft").checkSeed(58, nil, durability, nil)
        let failure = try #require(outcome.failure, "seed 58 passed: the power failures no longer lose a committed entry")
        #expect(failure.hasPrefix("agreement violated"), "\(failure)")
        var synced = durability
        synced.sync = .fsync
        #expect(try ProtocolRegistry.entry(named: "raft").checkSeed(58, nil, synced, nil).failure == nil, "with fsync the same seed is safe")
    }
}
